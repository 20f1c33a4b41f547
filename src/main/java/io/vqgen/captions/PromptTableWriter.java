package io.vqgen.captions;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

import java.io.IOException;
import java.util.List;

/**
 * Writes a prompt table as a Parquet dataset folder ({@code part-00000.parquet} and {@code _SUCCESS}, as Spark
 * writes one) through Hadoop's FileSystem, so the destination may be {@code file://}, {@code s3a://} or
 * {@code hdfs://}. {@code id} and {@code prompt} are required strings; extra columns are optional.
 */
public final class PromptTableWriter {
    static final String PART = "part-00000.parquet";
    static final String SUCCESS = "_SUCCESS";

    private final Configuration conf;

    public PromptTableWriter(Configuration conf) {
        this.conf = conf;
    }

    /** @return the qualified dataset folder written */
    public Path write(CaptionTable table, String output, boolean overwrite) {
        Path dir = new Path(output);
        try {
            FileSystem fs = dir.getFileSystem(conf);
            dir = fs.makeQualified(dir);
            if (fs.exists(dir)) {
                if (!overwrite) {
                    throw new CaptionsException(dir + ": already exists (pass --overwrite to replace it)");
                }
                fs.delete(dir, true);
            }
            MessageType schema = schema(table.columns());
            try (ParquetWriter<Group> out = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(new Path(dir, PART), conf))
                    .withConf(conf)
                    .withType(schema)
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .build()) {
                SimpleGroupFactory groups = new SimpleGroupFactory(schema);
                for (Caption c : table.rows()) {
                    out.write(row(groups.newGroup(), table.columns(), c));
                }
            }
            fs.create(new Path(dir, SUCCESS), true).close();
            return dir;
        } catch (IOException e) {
            throw new CaptionsException(dir + ": cannot write the prompt table: " + e.getMessage(), e);
        }
    }

    static MessageType schema(List<Column> columns) {
        Types.MessageTypeBuilder b = Types.buildMessage();
        b.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(CaptionTable.ID);
        b.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(CaptionTable.PROMPT);
        for (Column c : columns) {
            switch (c.type()) {
                case STRING -> b.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(c.name());
                case LONG -> b.optional(PrimitiveTypeName.INT64).named(c.name());
                case INT -> b.optional(PrimitiveTypeName.INT32).named(c.name());
                case DOUBLE -> b.optional(PrimitiveTypeName.DOUBLE).named(c.name());
                case BOOLEAN -> b.optional(PrimitiveTypeName.BOOLEAN).named(c.name());
            }
        }
        return b.named("prompts");
    }

    private static Group row(Group g, List<Column> columns, Caption c) {
        g.append(CaptionTable.ID, c.id()).append(CaptionTable.PROMPT, c.prompt());
        for (int i = 0; i < columns.size(); i++) {
            Object v = c.extras().get(i);
            String name = columns.get(i).name();
            if (v instanceof String s) {
                g.append(name, s);
            } else if (v instanceof Long l) {
                g.append(name, l);
            } else if (v instanceof Integer n) {
                g.append(name, n);
            } else if (v instanceof Double d) {
                g.append(name, d);
            } else if (v instanceof Boolean z) {
                g.append(name, z);
            }
        }
        return g;
    }
}
