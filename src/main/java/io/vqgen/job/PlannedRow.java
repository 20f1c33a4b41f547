package io.vqgen.job;

import io.vqgen.pipeline.GenerationSetting;
import org.apache.spark.sql.Row;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One prompt row as the driver planned it: the id (and its bytes when they are not UTF-8), prompt and class label (a class-conditional model), the per-row overrides that are set (a Long or
 * Double per {@link GenerationSetting} column; absent = not set, or the column is absent), where the row sits in
 * input order (file, row index) and where its id occurs first, and the image indices already {@code ok} in the
 * manifest.
 */
record PlannedRow(String id, String badIdBytes, String prompt, Long classLabel, Map<GenerationSetting, Object> overrides,
                  String sourceFile, long sourceRow, String firstFile, long firstRow, int[] done) {

    static final String ID = "id";
    /** The id's bytes in hex when they are not valid UTF-8, else null. */
    static final String BAD_ID_BYTES = "bad_id_bytes";
    static final String PROMPT = "prompt";
    static final String CLASS_LABEL = "class_label";
    static final String SOURCE_FILE = "src_file";
    static final String SOURCE_ROW = "src_row";
    static final String FIRST_FILE = "first_file";
    static final String FIRST_ROW = "first_row";
    static final String DONE = "done";

    static PlannedRow from(Row r) {
        List<Integer> done = r.isNullAt(r.fieldIndex(DONE)) ? List.of() : r.getList(r.fieldIndex(DONE));
        Map<GenerationSetting, Object> overrides = new EnumMap<>(GenerationSetting.class);
        for (GenerationSetting setting : GenerationSetting.columns()) {
            int i = r.fieldIndex(setting.key());
            if (!r.isNullAt(i)) {
                overrides.put(setting, r.get(i));
            }
        }
        return new PlannedRow(r.getAs(ID), r.getAs(BAD_ID_BYTES), r.getAs(PROMPT), r.getAs(CLASS_LABEL), overrides, r.getAs(SOURCE_FILE), r.<Long>getAs(SOURCE_ROW),
                r.getAs(FIRST_FILE), r.<Long>getAs(FIRST_ROW), done.stream().mapToInt(Integer::intValue).toArray());
    }

    /** A later row with an id that occurred before in input order. */
    boolean duplicate() {
        return !(sourceFile.equals(firstFile) && sourceRow == firstRow);
    }
}
