package io.vqgen.captions;

/** The caption sources {@code prepare-captions} reads. */
public enum CaptionFormat {
    COCO, CSV, JSONL, TXT;

    /**
     * @param idColumn   CSV/JSONL id column, or null for the default
     * @param textColumn CSV/JSONL caption column, or null for the default
     */
    public CaptionReader reader(String idColumn, String textColumn) {
        if (this == COCO || this == TXT) {
            if (idColumn != null || textColumn != null) {
                throw new CaptionsException("--id-column and --text-column apply to csv and jsonl, not "
                        + name().toLowerCase() + " (its columns are fixed)");
            }
            return this == COCO ? new CocoCaptionsReader() : new TextCaptionsReader();
        }
        return this == CSV ? new CsvCaptionsReader(idColumn, textColumn) : new JsonlCaptionsReader(idColumn, textColumn);
    }
}
