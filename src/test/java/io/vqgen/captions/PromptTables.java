package io.vqgen.captions;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a written prompt table back with parquet-hadoop, independently of the writer's own classes. */
public final class PromptTables {
    private PromptTables() {
    }

    public static List<Map<String, Object>> read(Path file) throws IOException {
        return read(file, new Configuration());
    }

    public static List<Map<String, Object>> read(Path file, Configuration conf) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ParquetReader<Group> in = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build()) {
            for (Group g = in.read(); g != null; g = in.read()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (Type field : g.getType().getFields()) {
                    String name = field.getName();
                    if (g.getFieldRepetitionCount(name) == 0) {
                        row.put(name, null);
                        continue;
                    }
                    PrimitiveType.PrimitiveTypeName t = field.asPrimitiveType().getPrimitiveTypeName();
                    row.put(name, switch (t) {
                        case BINARY -> g.getString(name, 0);
                        case INT64 -> g.getLong(name, 0);
                        case INT32 -> g.getInteger(name, 0);
                        case DOUBLE -> g.getDouble(name, 0);
                        case BOOLEAN -> g.getBoolean(name, 0);
                        default -> throw new IllegalStateException("unexpected column type " + t);
                    });
                }
                rows.add(row);
            }
        }
        return rows;
    }

    public static MessageType schema(Path file) throws IOException {
        try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop.ParquetFileReader.open(
                org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(file, new Configuration()))) {
            return r.getFooter().getFileMetaData().getSchema();
        }
    }
}
