package io.vqgen.captions;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CaptionSamplerTest {
    private static CaptionTable table(List<Caption> rows) {
        return new CaptionTable(List.of(), rows);
    }

    private static List<Caption> captions(int n) {
        List<Caption> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Caption.of("id-" + i, "caption " + i));
        }
        return out;
    }

    @Test
    void sameSeedSameSampleWhateverTheFileOrder() {
        List<Caption> rows = captions(2000);
        List<Caption> shuffled = new ArrayList<>(rows);
        Collections.shuffle(shuffled, new Random(3));
        List<Caption> a = CaptionSampler.sample(table(rows), 300, 11).rows();
        assertEquals(a, CaptionSampler.sample(table(shuffled), 300, 11).rows());
        assertEquals(300, a.stream().map(Caption::id).distinct().count());
        assertNotEquals(a, CaptionSampler.sample(table(rows), 300, 12).rows());
    }

    @Test
    void smallerSampleIsAPrefixOfALargerOne() {
        CaptionTable t = table(captions(500));
        assertEquals(CaptionSampler.sample(t, 50, 7).rows(), CaptionSampler.sample(t, 200, 7).rows().subList(0, 50));
    }

    @Test
    void keyIsTheFirstEightBytesOfSha256OfSeedAndId() throws Exception {
        // Pinned with Python: hashlib.sha256(struct.pack(">q", seed) + id.encode()).hexdigest()[:16]
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        assertEquals(Long.parseUnsignedLong("90c6564aae1b41cf", 16), CaptionSampler.key(sha, 0, "37"));
        assertEquals(Long.parseUnsignedLong("d3500e024aa0407a", 16), CaptionSampler.key(sha, 2014, "caption-x"));
    }

    @Test
    void refusesImpossibleSizes() {
        CaptionTable t = table(captions(5));
        assertEquals("cannot sample 6 captions: the source has only 5",
                assertThrows(CaptionsException.class, () -> CaptionSampler.sample(t, 6, 0)).getMessage());
        assertEquals("--sample must be at least 1, got 0",
                assertThrows(CaptionsException.class, () -> CaptionSampler.sample(t, 0, 0)).getMessage());
    }
}
