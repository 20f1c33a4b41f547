package io.vqgen.captions;

import java.util.Collections;
import java.util.List;

/**
 * One row of the prompt table.
 *
 * @param id     stable, unique id
 * @param prompt the caption text, whitespace-normalised
 * @param extras values of the table's extra columns, in column order (null where the source has none)
 */
public record Caption(String id, String prompt, List<Object> extras) {
    public Caption {
        if (id == null || prompt == null || extras == null) {
            throw new IllegalArgumentException("id, prompt and extras are required");
        }
        extras = Collections.unmodifiableList(extras);
    }

    public static Caption of(String id, String prompt) {
        return new Caption(id, prompt, List.of());
    }
}
