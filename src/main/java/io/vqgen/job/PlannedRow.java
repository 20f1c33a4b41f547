package io.vqgen.job;

import org.apache.spark.sql.Row;

import java.util.List;

/**
 * One prompt row as the driver planned it: the id and prompt, the override columns (null = not set, or the
 * column is absent), where the row sits in input order (file, row index) and where its id occurs first, and
 * the image indices already {@code ok} in the manifest.
 */
record PlannedRow(String id, String prompt, Long seed, Long numImages, Long steps, Double guidanceScale,
                  Double truncationRate, Double inferSpeed, Long priorRule, Double priorWeight,
                  String sourceFile, long sourceRow, String firstFile, long firstRow, int[] done) {

    static final String ID = "id";
    static final String PROMPT = "prompt";
    static final String SOURCE_FILE = "src_file";
    static final String SOURCE_ROW = "src_row";
    static final String FIRST_FILE = "first_file";
    static final String FIRST_ROW = "first_row";
    static final String DONE = "done";

    static PlannedRow from(Row r) {
        List<Integer> done = r.isNullAt(r.fieldIndex(DONE)) ? List.of() : r.getList(r.fieldIndex(DONE));
        return new PlannedRow(r.getAs(ID), r.getAs(PROMPT), r.getAs("seed"), r.getAs("num_images"), r.getAs("steps"),
                r.getAs("guidance_scale"), r.getAs("truncation_rate"), r.getAs("infer_speed"), r.getAs("prior_rule"),
                r.getAs("prior_weight"), r.getAs(SOURCE_FILE), r.<Long>getAs(SOURCE_ROW), r.getAs(FIRST_FILE),
                r.<Long>getAs(FIRST_ROW), done.stream().mapToInt(Integer::intValue).toArray());
    }

    /** A later row with an id that occurred before in input order. */
    boolean duplicate() {
        return !(sourceFile.equals(firstFile) && sourceRow == firstRow);
    }
}
