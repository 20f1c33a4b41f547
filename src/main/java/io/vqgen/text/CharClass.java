package io.vqgen.text;

import java.util.BitSet;
import java.util.function.IntPredicate;

/**
 * A set of BMP characters written like a regex class body: characters, and "x-y" ranges. Constant-time membership
 * (java.util.regex tests big literal classes one member at a time, which made ftfy's heuristics slow).
 */
final class CharClass implements IntPredicate {
    private final BitSet members;

    private CharClass(BitSet members) {
        this.members = members;
    }

    static CharClass of(String... specs) {
        BitSet bits = new BitSet(0x10000);
        for (String spec : specs) {
            for (int i = 0; i < spec.length(); i++) {
                char c = spec.charAt(i);
                if (i + 2 < spec.length() && spec.charAt(i + 1) == '-') {
                    bits.set(c, spec.charAt(i + 2) + 1);
                    i += 2;
                } else {
                    bits.set(c);
                }
            }
        }
        return new CharClass(bits);
    }

    @Override
    public boolean test(int cp) {
        return cp < 0x10000 && members.get(cp);
    }
}
