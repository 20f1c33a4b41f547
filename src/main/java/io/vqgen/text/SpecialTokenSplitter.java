package io.vqgen.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts special tokens out of a raw prompt as transformers 4.30's {@code tokenize} does before any cleanup:
 * leftmost-longest matches, then whitespace next to each special token is stripped as its flags say, and pieces
 * that end up empty are dropped.
 */
final class SpecialTokenSplitter {
    /** A piece of the prompt: a special token, or text (special == null). */
    record Piece(String text, SpecialToken special) {
    }

    private SpecialTokenSplitter() {
    }

    static List<Piece> split(String text, List<SpecialToken> specials) {
        List<Piece> pieces = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            SpecialToken match = longestAt(text, i, specials);
            if (match == null) {
                i++;
                continue;
            }
            if (i > start) {
                pieces.add(new Piece(text.substring(start, i), null));
            }
            pieces.add(new Piece(match.content(), match));
            i += match.content().length();
            start = i;
        }
        if (start < text.length()) {
            pieces.add(new Piece(text.substring(start), null));
        }
        stripAroundSpecials(pieces);
        pieces.removeIf(p -> p.text().isEmpty());
        return pieces;
    }

    private static void stripAroundSpecials(List<Piece> pieces) {
        for (int i = 0; i < pieces.size(); i++) {
            SpecialToken special = pieces.get(i).special();
            if (special == null) {
                continue;
            }
            if (special.stripRight() && i + 1 < pieces.size()) {
                Piece right = pieces.get(i + 1);
                pieces.set(i + 1, new Piece(PythonText.lstrip(right.text()), right.special()));
            }
            if (special.stripLeft() && i > 0) {
                Piece left = pieces.get(i - 1);
                pieces.set(i - 1, new Piece(PythonText.rstrip(left.text()), left.special()));
            }
        }
    }

    private static SpecialToken longestAt(String text, int i, List<SpecialToken> specials) {
        SpecialToken best = null;
        for (SpecialToken s : specials) {
            String c = s.content();
            if (!c.isEmpty() && text.startsWith(c, i) && (best == null || c.length() > best.content().length())) {
                best = s;
            }
        }
        return best;
    }
}
