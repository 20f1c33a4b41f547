package io.vqgen.captions;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vqgen.fuzz.ReaderContract;
import io.vqgen.fuzz.Scratch;

import java.nio.file.Path;

/**
 * The caption readers of {@code prepare-captions} on fuzzed files: a {@link CaptionsException} naming the file, or a
 * table whose every row has an id, a prompt and one value per extra column.
 */
class CaptionsFuzzTest {
    private static final Scratch SCRATCH = new Scratch("captions");
    private static final ReaderContract CONTRACT = new ReaderContract(CaptionsException.class);
    /**
     * The CSV parser (univocity) allocates its buffers whole, whatever the file: a column buffer of the 1 Mi
     * characters CsvCaptionsReader allows a field and a 1 Mi-character input buffer, 2 MiB each, and again when it
     * restarts after a partial byte-order mark (measured: 4.2 MB for most files, 8.4 MB for "\xEF\xEF").
     */
    private static final ReaderContract CSV_CONTRACT = new ReaderContract(ReaderContract.BASE_BYTES + (12L << 20),
            CaptionsException.class);

    @FuzzTest
    void coco(byte[] input) {
        read(CONTRACT, CaptionFormat.COCO, "captions_val2014.json", input);
    }

    @FuzzTest
    void csv(byte[] input) {
        read(CSV_CONTRACT, CaptionFormat.CSV, "captions.csv", input);
    }

    @FuzzTest
    void jsonl(byte[] input) {
        read(CONTRACT, CaptionFormat.JSONL, "captions.jsonl", input);
    }

    @FuzzTest
    void txt(byte[] input) {
        read(CONTRACT, CaptionFormat.TXT, "captions.txt", input);
    }

    private static void read(ReaderContract contract, CaptionFormat format, String name, byte[] input) {
        Path file = SCRATCH.write(name, input);
        contract.check(input.length, file.toString(), () -> {
            CaptionTable table = format.reader(null, null).read(file);
            for (Caption row : table.rows()) {
                if (row.id().isEmpty() || row.extras().size() != table.columns().size()) {
                    throw new AssertionError("row " + row + " of a table with columns " + table.columns());
                }
            }
            return table.rows().size();
        });
    }
}
