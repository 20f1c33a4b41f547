package io.vqgen.weights;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one Python pickle as plain data. It knows only the opcodes that torch.save's state dicts use
 * (protocols 2–5) and hands every global, call, BUILD and persistent id to a {@link Resolver}, which
 * decides what they mean; nothing in the file can make this reader run code.
 *
 * <p>Values: None → null, bool → Boolean, int → Long (BigInteger beyond 64 bits), float → Double,
 * str → String, tuple → unmodifiable List, list → ArrayList, dict → LinkedHashMap.
 */
final class RestrictedUnpickler {

    /** What globals, calls and persistent ids mean; each method throws WeightsException to refuse. */
    interface Resolver {
        Object global(String module, String name);

        Object call(Object callable, List<Object> args);

        Object build(Object object, Object state);

        Object persistentLoad(Object pid);
    }

    private static final Object MARK = new Object();
    /** Items and string characters a dict key may hold in all: a parameter name is ~100. */
    private static final int MAX_KEY_SIZE = 1 << 16;

    private final String source;
    private final ByteBuffer in;
    private final Resolver resolver;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();

    /** Reads from {@code in}'s position; after {@link #load()} the position is just past STOP. */
    RestrictedUnpickler(String source, ByteBuffer in, Resolver resolver) {
        this.source = source;
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
        this.resolver = resolver;
    }

    @SuppressWarnings("unchecked")
    Object load() {
        while (true) {
            int at = in.position();
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol > 5) {
                        throw corrupt(at, "pickle protocol " + protocol + " is newer than 5");
                    }
                }
                case 0x95 -> bytes(8); // FRAME: length of the next frame, irrelevant when reading from a buffer
                case '.' -> { // STOP
                    Object result = pop(at);
                    if (!stack.isEmpty() || !marks.isEmpty()) {
                        throw corrupt(at, "STOP with " + stack.size() + " values left on the stack");
                    }
                    return result;
                }
                case '(' -> marks.push(stack.size());
                case '}' -> push(new LinkedHashMap<>());
                case ']' -> push(new ArrayList<>());
                case ')' -> push(Collections.emptyList());
                case 'd' -> {
                    List<Object> items = popMark(at);
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putPairs(at, dict, items);
                    push(dict);
                }
                case 'l' -> push(new ArrayList<>(popMark(at)));
                case 't' -> push(tuple(popMark(at)));
                case 0x85 -> push(tuple(asList(pop(at))));
                case 0x86 -> {
                    Object b = pop(at);
                    Object a = pop(at);
                    push(tuple(asList(a, b)));
                }
                case 0x87 -> {
                    Object c = pop(at);
                    Object b = pop(at);
                    Object a = pop(at);
                    push(tuple(asList(a, b, c)));
                }
                case 's' -> {
                    Object value = pop(at);
                    Object key = pop(at);
                    dictAt(at).put(hashable(at, key), value);
                }
                case 'u' -> {
                    List<Object> items = popMark(at);
                    putPairs(at, dictAt(at), items);
                }
                case 'a' -> {
                    Object value = pop(at);
                    listAt(at).add(value);
                }
                case 'e' -> {
                    List<Object> items = popMark(at);
                    listAt(at).addAll(items);
                }
                case 'X' -> push(string(at, Integer.toUnsignedLong(in.getInt(check(4)))));
                case 0x8c -> push(string(at, u8()));
                case 0x8d -> push(string(at, in.getLong(check(8))));
                case 'J' -> push((long) in.getInt(check(4)));
                case 'K' -> push((long) u8());
                case 'M' -> push((long) Short.toUnsignedInt(in.getShort(check(2))));
                case 0x8a -> push(longValue(at, u8()));
                case 0x8b -> push(longValue(at, Integer.toUnsignedLong(in.getInt(check(4)))));
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'q' -> memo.put((long) u8(), peek(at));
                case 'r' -> memo.put(Integer.toUnsignedLong(in.getInt(check(4))), peek(at));
                case 0x94 -> memo.put((long) memo.size(), peek(at));
                case 'h' -> push(memoGet(at, u8()));
                case 'j' -> push(memoGet(at, Integer.toUnsignedLong(in.getInt(check(4)))));
                case 'c' -> push(resolver.global(line(at), line(at)));
                case 0x93 -> {
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw corrupt(at, "STACK_GLOBAL needs two strings");
                    }
                    push(resolver.global(m, n));
                }
                case 'R' -> {
                    Object args = pop(at);
                    Object callable = pop(at);
                    if (!isTuple(args)) {
                        throw corrupt(at, "REDUCE needs an argument tuple");
                    }
                    push(resolver.call(callable, (List<Object>) args));
                }
                case 'b' -> {
                    Object state = pop(at);
                    Object object = pop(at);
                    push(resolver.build(object, state));
                }
                case 'Q' -> push(resolver.persistentLoad(pop(at)));
                default -> throw new WeightsException(source + ": unsupported pickle opcode 0x" + Integer.toHexString(op)
                        + " at byte " + at + " (only the opcodes of torch.save state dicts are read)");
            }
        }
    }

    /** Tuples are unmodifiable lists; Python lists are ArrayLists. */
    static boolean isTuple(Object o) {
        return o instanceof List<?> && !(o instanceof ArrayList<?>);
    }

    private static List<Object> tuple(List<Object> items) {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    private static List<Object> asList(Object... items) {
        List<Object> out = new ArrayList<>(items.length);
        Collections.addAll(out, items);
        return out;
    }

    private void putPairs(int at, Map<Object, Object> dict, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw corrupt(at, "odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            dict.put(hashable(at, items.get(i)), items.get(i + 1));
        }
    }

    /**
     * A dict key as Python allows it: no list or dict (unhashable), and tuples only of hashable items. Hashing a
     * tuple visits every item, shared ones each time, so a key is refused beyond {@link #MAX_KEY_SIZE} items and
     * characters: a list that contains itself, or tuples that share their items level after level, would otherwise
     * hash (and print) forever.
     */
    private Object hashable(int at, Object key) {
        Deque<Object> open = new ArrayDeque<>();
        open.push(key);
        long size = 0;
        while (!open.isEmpty()) {
            Object o = open.pop();
            if (o instanceof Map<?, ?> || o instanceof ArrayList<?>) {
                throw corrupt(at, "dict key is a " + (o instanceof Map<?, ?> ? "dict" : "list") + " (unhashable)");
            }
            size += 1 + (o instanceof String text ? text.length() : 0);
            if (size > MAX_KEY_SIZE) {
                throw corrupt(at, "dict key of more than " + MAX_KEY_SIZE + " items and characters");
            }
            if (o instanceof List<?> tuple) {
                tuple.forEach(open::push);
            }
        }
        return key;
    }

    /** What a pickled value is, for messages: its Python type and size, never its whole text (it may contain itself). */
    static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof String text) {
            return "'" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "'";
        }
        if (o instanceof Number || o instanceof Boolean) {
            String text = o.toString();
            return text.length() > 40 ? text.substring(0, 40) + "…" : text;
        }
        if (o instanceof Map<?, ?> m) {
            return "a dict of " + m.size();
        }
        if (o instanceof List<?> l) {
            return (isTuple(l) ? "a tuple of " : "a list of ") + l.size();
        }
        return o.getClass().getSimpleName();
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dictAt(int at) {
        if (!(peek(at) instanceof Map<?, ?> m)) {
            throw corrupt(at, "SETITEM target is not a dict");
        }
        return (Map<Object, Object>) m;
    }

    @SuppressWarnings("unchecked")
    private List<Object> listAt(int at) {
        if (!(peek(at) instanceof ArrayList<?> l)) {
            throw corrupt(at, "APPEND target is not a list");
        }
        return (List<Object>) l;
    }

    private Object memoGet(int at, long key) {
        if (!memo.containsKey(key)) {
            throw corrupt(at, "memo entry " + key + " read before it was written");
        }
        return memo.get(key);
    }

    private Object longValue(int at, long length) {
        if (length > 1024) {
            throw corrupt(at, "integer of " + length + " bytes");
        }
        byte[] le = bytes((int) length);
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    /** @param length unsigned (BINUNICODE8's 64-bit length is negative as a long from 2^63 on) */
    private String string(int at, long length) {
        if (length < 0 || length > in.remaining()) {
            throw corrupt(at, "string of " + Long.toUnsignedString(length) + " bytes runs past the end of the pickle");
        }
        return new String(bytes((int) length), StandardCharsets.UTF_8);
    }

    /** A GLOBAL operand: text up to the next newline. */
    private String line(int at) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') {
                return sb.toString();
            }
            if (sb.length() > 256) {
                throw corrupt(at, "GLOBAL name too long");
            }
            sb.append((char) c);
        }
    }

    private List<Object> popMark(int at) {
        if (marks.isEmpty()) {
            throw corrupt(at, "no MARK on the stack");
        }
        int from = marks.pop();
        List<Object> top = stack.subList(from, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop(int at) {
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (stack.size() <= floor) {
            throw corrupt(at, "stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek(int at) {
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (stack.size() <= floor) {
            throw corrupt(at, "stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private int u8() {
        return Byte.toUnsignedInt(in.get(check(1)));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        in.get(check(n), b);
        return b;
    }

    /** Claims the next n bytes and returns their position; a pickle cut short fails here. */
    private int check(int n) {
        int pos = in.position();
        if (in.remaining() < n) {
            throw new WeightsException(source + ": truncated pickle: needs " + n + " more byte(s) at byte " + pos
                    + ", has " + in.remaining());
        }
        in.position(pos + n);
        return pos;
    }

    private WeightsException corrupt(int at, String what) {
        return new WeightsException(source + ": corrupt pickle at byte " + at + ": " + what);
    }
}
