package io.vqgen.job;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeIdsTest {
    @Test
    void keepsPlainIdsAndEscapesEverythingElseReversibly() {
        assertEquals("coco-000123_v2.jpg", SafeIds.encode("coco-000123_v2.jpg"));
        assertEquals("a~2Fb~20c", SafeIds.encode("a/b c"));
        assertEquals("caf~C3~A9", SafeIds.encode("café"));
        assertEquals("~7E", SafeIds.encode("~"));
        assertEquals("~2E", SafeIds.encode("."));
        assertEquals("~2E.", SafeIds.encode(".."));
        assertEquals("~2Ehidden", SafeIds.encode(".hidden"));
        for (String id : List.of("a/b c", "café", "~", ".", "..", "x~2Fy", "日本語", "a%20b", "tab\tnew\nline")) {
            assertEquals(id, SafeIds.decode(SafeIds.encode(id)), id);
            assertTrue(SafeIds.encode(id).matches("[A-Za-z0-9._~-]+"), SafeIds.encode(id));
        }
    }

    @Test
    void longIdsAreCutWithAHashAndNeverCollide() {
        Set<String> seen = new HashSet<>();
        String longA = "x".repeat(500);
        for (String id : List.of(longA, longA + "y", "é".repeat(200), "é".repeat(201), "a/b", "a~2Fb", "a b", "a_b")) {
            String e = SafeIds.encode(id);
            assertTrue(e.length() <= SafeIds.MAX_LENGTH, e);
            assertTrue(seen.add(e), "collision for " + id);
        }
        assertTrue(SafeIds.encode(longA).contains("~~"));
        assertTrue(SafeIds.encode("é".repeat(200)).matches("(~C3~A9)+~~[0-9a-f]{16}"), "cut between escapes");
        assertEquals("'" + SafeIds.encode(longA) + "' is a shortened id: only its hash is kept",
                assertThrows(IllegalArgumentException.class, () -> SafeIds.decode(SafeIds.encode(longA))).getMessage());
    }

    @Test
    void imagePathsFollowTheLayout() {
        OutputLayout layout = new OutputLayout("s3a://bucket/run/");
        assertEquals("s3a://bucket/run/images/a~2Fb/3.png", layout.image("a/b", 3));
        assertEquals("s3a://bucket/run/manifest/run_id=r1", layout.manifestPartition("r1"));
        assertEquals("s3a://bucket/run/runs/r1.json", layout.summary("r1"));
    }
}
