package dev.forge.service.airlock;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Follows a pickle's opcode stream (protocols 0 to 5) without running it, to see every global it would import:
 * {@code GLOBAL} and {@code INST} name theirs; {@code STACK_GLOBAL} takes its module and name from the stack, so the
 * reader keeps a model of the stack and the memo in which only strings are remembered (everything else is one
 * placeholder) and marks are kept apart, as CPython's unpickler keeps them. Whatever CPython would refuse (an unknown
 * opcode, a stack underflow, a missing memo slot, a truncated argument) ends the read as {@link Malformed}.
 *
 * <p>Work is bounded whatever the input: bytes read, opcodes, stack depth and memo slots have limits, strings longer
 * than a few kilobytes are skipped rather than held (a global naming one is {@link PickleImport#UNKNOWN}), and nothing
 * recurses. Not thread-safe: one reader per stream.
 */
final class PickleReader {

    /** Bounds on the work of one scan (all pickles of one file together). */
    record Limits(long maxBytes, long maxOps, int maxStack, int maxMemo, int maxStringBytes) {
        static final Limits DEFAULTS = new Limits(4L << 30, 200_000_000L, 1_000_000, 50_000_000, 4096);
    }

    /** Characters of memoized strings kept per pickle; strings memoized beyond it are remembered as "some value". */
    static final long MEMO_STRING_CHARS = 16L << 20;

    /**
     * The memo of one pickle, in bounded memory: which slots are filled (a bit set for slots below 2^28, a set for the
     * few beyond), and the strings among their values up to {@link #MEMO_STRING_CHARS} characters. Slots hold no
     * other values: nothing else can name a global.
     */
    private static final class Memo {
        private static final long DENSE = 1L << 28;
        private static final int MAX_SPARSE = 100_000;
        private long[] bits = new long[64];
        private final java.util.Set<Long> sparse = new java.util.HashSet<>();
        private final Map<Long, String> strings = new HashMap<>();
        private long stringChars;
        private long size;

        long size() { return size; }

        boolean contains(long key) {
            if (key >= DENSE) return sparse.contains(key);
            int word = (int) (key >>> 6);
            return word < bits.length && (bits[word] & 1L << key) != 0;
        }

        /** @return false when a new slot beyond 2^28 would pass the sparse limit */
        boolean put(long key, Object value) {
            if (!contains(key)) {
                if (key >= DENSE) {
                    if (sparse.size() >= MAX_SPARSE) return false;
                    sparse.add(key);
                } else {
                    int word = (int) (key >>> 6);
                    if (word >= bits.length) bits = Arrays.copyOf(bits, Math.max(word + 1, bits.length * 2));
                    bits[word] |= 1L << key;
                }
                size++;
            }
            String old = strings.remove(key);
            if (old != null) stringChars -= old.length();
            if (value instanceof String v && stringChars + v.length() <= MEMO_STRING_CHARS) {
                strings.put(key, v);
                stringChars += v.length();
            }
            return true;
        }

        /** The string in the slot, {@link #OTHER} for any other value, null when the slot is empty. */
        Object get(long key) {
            if (!contains(key)) return null;
            String v = strings.get(key);
            return v != null ? v : OTHER;
        }
    }

    /** The input is not a pickle CPython would load, or is beyond the limits; {@code getMessage()} says which. */
    static final class Malformed extends Exception {
        Malformed(String message) { super(message, null, false, false); }
    }

    /** The first pickle of a legacy (non-zip) {@code torch.save} file holds only this number. */
    private static final byte[] TORCH_MAGIC = {0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private static final Object OTHER = new Object() {
        @Override public String toString() { return "<value>"; }
    };

    private final Input in;
    private final Limits limits;
    private final Consumer<PickleImport> imports;
    private long ops;
    private boolean torchMagic;

    PickleReader(InputStream in, Limits limits, Consumer<PickleImport> imports) {
        this.in = new Input(in, limits.maxBytes());
        this.limits = limits;
        this.imports = imports;
    }

    /** Whether the last pickle read held only the legacy {@code torch.save} magic number. */
    boolean wasTorchMagic() { return torchMagic; }

    /** Bytes consumed so far. */
    long position() { return in.position; }

    /** Whether the stream is at its end (nothing more to read). */
    boolean atEnd() throws IOException, Malformed { return in.peek() < 0; }

    /**
     * Reads one pickle, up to and including its {@code STOP}, reporting each import as it is met (so imports before
     * a malformed spot are reported too). Each pickle has its own stack and memo, as each {@code pickle.load} has.
     */
    void readPickle() throws IOException, Malformed {
        List<Object> stack = new ArrayList<>();
        int[] marks = new int[16];
        int markCount = 0;
        Memo memo = new Memo();
        boolean onlyMagic = true;
        boolean sawMagic = false;
        while (true) {
            int op = in.read();
            if (op < 0) throw new Malformed("truncated: the pickle ends before its STOP opcode at byte " + in.position);
            if (++ops > limits.maxOps()) throw new Malformed("more than " + limits.maxOps() + " opcodes");
            int fence = markCount == 0 ? 0 : marks[markCount - 1];
            switch (op) {
                case '(' -> { // MARK
                    if (markCount == marks.length) {
                        if (markCount >= limits.maxStack()) throw new Malformed("more than " + limits.maxStack() + " marks");
                        marks = Arrays.copyOf(marks, markCount * 2);
                    }
                    marks[markCount++] = stack.size();
                }
                case '.' -> { // STOP
                    pop(stack, fence, 1);
                    torchMagic = onlyMagic && sawMagic;
                    return;
                }
                case '0' -> { // POP: the top item, or the top mark when nothing is above it
                    if (stack.size() > fence) stack.removeLast();
                    else if (markCount > 0) markCount--;
                    else throw underflow();
                }
                case '1' -> { // POP_MARK
                    if (markCount == 0) throw new Malformed("POP_MARK without a mark at byte " + in.position);
                    truncate(stack, marks[--markCount]);
                }
                case '2' -> { // DUP
                    if (stack.size() <= fence) throw underflow();
                    push(stack, stack.getLast());
                }
                case 'F', 'I', 'L' -> { in.line(); push(stack, OTHER); } // FLOAT, INT, LONG
                case 'J' -> { in.skip(4); push(stack, OTHER); } // BININT
                case 'K' -> { in.skip(1); push(stack, OTHER); } // BININT1
                case 'M' -> { in.skip(2); push(stack, OTHER); } // BININT2
                case 'G' -> { in.skip(8); push(stack, OTHER); } // BINFLOAT
                case 'N', 0x88, 0x89 -> push(stack, OTHER); // NONE, NEWTRUE, NEWFALSE
                case 0x8a -> { // LONG1
                    int n = in.u1();
                    boolean magic = n == TORCH_MAGIC.length && Arrays.equals(in.bytes(n), TORCH_MAGIC);
                    if (n != TORCH_MAGIC.length) in.skip(n);
                    push(stack, OTHER);
                    if (magic) {
                        sawMagic = true;
                        continue;
                    }
                }
                case 0x8b -> { in.skip(length(in.s4())); push(stack, OTHER); } // LONG4
                case 'P' -> { in.line(); push(stack, OTHER); } // PERSID
                case 'Q' -> { pop(stack, fence, 1); push(stack, OTHER); } // BINPERSID
                case 'R', 0x81 -> { pop(stack, fence, 2); push(stack, OTHER); } // REDUCE, NEWOBJ
                case 0x92 -> { pop(stack, fence, 3); push(stack, OTHER); } // NEWOBJ_EX
                case 'S' -> push(stack, quoted(in.line())); // STRING
                case 'T' -> push(stack, text(length(in.s4()), false)); // BINSTRING
                case 'U' -> push(stack, text(in.u1(), false)); // SHORT_BINSTRING
                case 'V' -> push(stack, rawUnicodeEscape(in.line())); // UNICODE
                case 'X' -> push(stack, text(in.u4(), true)); // BINUNICODE
                case 0x8c -> push(stack, text(in.u1(), true)); // SHORT_BINUNICODE
                case 0x8d -> push(stack, text(length(in.u8()), true)); // BINUNICODE8
                case 'B' -> { in.skip(in.u4()); push(stack, OTHER); } // BINBYTES
                case 'C' -> { in.skip(in.u1()); push(stack, OTHER); } // SHORT_BINBYTES
                case 0x8e, 0x96 -> { in.skip(length(in.u8())); push(stack, OTHER); } // BINBYTES8, BYTEARRAY8
                case 'a' -> { // APPEND
                    pop(stack, fence, 1);
                    if (stack.size() <= fence) throw underflow();
                }
                case 'b' -> { // BUILD
                    pop(stack, fence, 1);
                    if (stack.size() <= fence) throw underflow();
                }
                case 's' -> { // SETITEM
                    pop(stack, fence, 2);
                    if (stack.size() <= fence) throw underflow();
                }
                case 'e', 'u', 0x90 -> { // APPENDS, SETITEMS, ADDITEMS: items above the mark go into the object below it
                    if (markCount == 0) throw new Malformed("no mark for opcode 0x" + Integer.toHexString(op) + " at byte " + in.position);
                    int mark = marks[--markCount];
                    int below = markCount == 0 ? 0 : marks[markCount - 1];
                    if (mark <= below) throw underflow();
                    truncate(stack, mark);
                }
                case 'd', 'l', 't', 0x91 -> { // DICT, LIST, TUPLE, FROZENSET
                    if (markCount == 0) throw new Malformed("no mark for opcode 0x" + Integer.toHexString(op) + " at byte " + in.position);
                    truncate(stack, marks[--markCount]);
                    push(stack, OTHER);
                }
                case 'o' -> { // OBJ: the class and its arguments above the mark
                    if (markCount == 0) throw new Malformed("no mark for OBJ at byte " + in.position);
                    int mark = marks[--markCount];
                    if (stack.size() <= mark) throw underflow();
                    truncate(stack, mark);
                    push(stack, OTHER);
                }
                case 'i' -> { // INST module\nname\n, arguments above the mark
                    String module = name(in.line());
                    String name = name(in.line());
                    report(module, name);
                    if (markCount == 0) throw new Malformed("no mark for INST at byte " + in.position);
                    truncate(stack, marks[--markCount]);
                    push(stack, OTHER);
                }
                case 'c' -> { // GLOBAL module\nname\n
                    String module = name(in.line());
                    String name = name(in.line());
                    report(module, name);
                    push(stack, OTHER);
                }
                case 0x93 -> { // STACK_GLOBAL: module and name are the two top items
                    if (stack.size() - 2 < fence) throw underflow();
                    Object name = stack.removeLast();
                    Object module = stack.removeLast();
                    report(module instanceof String m ? m : PickleImport.UNKNOWN, name instanceof String n ? n : PickleImport.UNKNOWN);
                    push(stack, OTHER);
                }
                case 0x82 -> { extension(in.u1()); push(stack, OTHER); } // EXT1
                case 0x83 -> { extension(in.u2()); push(stack, OTHER); } // EXT2
                case 0x84 -> { extension(in.s4()); push(stack, OTHER); } // EXT4
                case '}', ']', ')', 0x8f -> push(stack, OTHER); // EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE, EMPTY_SET
                case 0x85 -> { pop(stack, fence, 1); push(stack, OTHER); } // TUPLE1
                case 0x86 -> { pop(stack, fence, 2); push(stack, OTHER); } // TUPLE2
                case 0x87 -> { pop(stack, fence, 3); push(stack, OTHER); } // TUPLE3
                case 'g' -> get(stack, memo, decimal(in.line())); // GET
                case 'h' -> get(stack, memo, in.u1()); // BINGET
                case 'j' -> get(stack, memo, in.u4()); // LONG_BINGET
                case 'p' -> put(stack, fence, memo, decimal(in.line())); // PUT
                case 'q' -> put(stack, fence, memo, in.u1()); // BINPUT
                case 'r' -> put(stack, fence, memo, in.u4()); // LONG_BINPUT
                case 0x94 -> put(stack, fence, memo, memo.size()); // MEMOIZE
                case 0x80 -> { // PROTO
                    int protocol = in.u1();
                    if (protocol > 5) throw new Malformed("unsupported pickle protocol " + protocol);
                    continue;
                }
                case 0x95 -> { in.u8(); continue; } // FRAME: a length prefix only; the opcodes inside are read as they come
                case 0x97 -> push(stack, OTHER); // NEXT_BUFFER
                case 0x98 -> { if (stack.size() <= fence) throw underflow(); } // READONLY_BUFFER
                default -> throw new Malformed("invalid opcode 0x" + Integer.toHexString(op) + " at byte " + (in.position - 1));
            }
            onlyMagic = false;
        }
    }

    private void report(String module, String name) {
        imports.accept(new PickleImport(module, name, PickleGlobals.rate(module, name)));
    }

    private void extension(long code) {
        // the copyreg extension registry maps a code to any global; it is empty unless the loading program fills it
        imports.accept(new PickleImport("copyreg.extension", Long.toString(code), PickleImport.Safety.SUSPICIOUS));
    }

    private Malformed underflow() { return new Malformed("stack underflow at byte " + in.position); }

    private void push(List<Object> stack, Object v) throws Malformed {
        if (stack.size() >= limits.maxStack()) throw new Malformed("a stack deeper than " + limits.maxStack());
        stack.add(v);
    }

    private void pop(List<Object> stack, int fence, int n) throws Malformed {
        if (stack.size() - n < fence) throw underflow();
        truncate(stack, stack.size() - n);
    }

    private static void truncate(List<Object> stack, int size) {
        for (int i = stack.size(); i > size; i--) stack.removeLast();
    }

    private void get(List<Object> stack, Memo memo, long key) throws Malformed {
        Object v = memo.get(key);
        if (v == null) throw new Malformed("memo slot " + key + " is empty at byte " + in.position);
        push(stack, v);
    }

    private void put(List<Object> stack, int fence, Memo memo, long key) throws Malformed {
        if (stack.size() <= fence) throw underflow();
        if (key < 0) throw new Malformed("negative memo slot at byte " + in.position);
        if (memo.size() >= limits.maxMemo() && !memo.contains(key)) throw new Malformed("more than " + limits.maxMemo() + " memo slots");
        if (!memo.put(key, stack.getLast())) throw new Malformed("too many memo slots numbered beyond 2^28");
    }

    private long length(long n) throws Malformed {
        if (n < 0) throw new Malformed("negative length at byte " + in.position);
        return n;
    }

    /** A counted string: kept when short enough to name a global, skipped (and a placeholder) otherwise. */
    private Object text(long n, boolean utf8) throws IOException, Malformed {
        if (n > limits.maxStringBytes()) {
            in.skip(n);
            return OTHER;
        }
        byte[] b = in.bytes((int) n);
        return utf8 ? new String(b, StandardCharsets.UTF_8) : new String(b, StandardCharsets.ISO_8859_1);
    }

    /** A line argument read whole (null when longer than the string limit; the line is consumed either way). */
    private static long decimal(byte[] line) throws Malformed {
        if (line == null) throw new Malformed("a memo slot number that is too long");
        String s = new String(line, StandardCharsets.ISO_8859_1).strip();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new Malformed("a memo slot that is not a number: " + s);
        }
    }

    /** A module or global name of GLOBAL and INST: UTF-8 (CPython refuses anything else). */
    private static String name(byte[] line) throws Malformed {
        if (line == null) return PickleImport.UNKNOWN;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line)).toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("a global name that is not UTF-8");
        }
    }

    /** The STRING argument: quoted, with Python's string escapes ({@code \x6f\163} is {@code os}). */
    private static Object quoted(byte[] line) throws Malformed {
        if (line == null) return OTHER;
        int n = line.length;
        if (n < 2 || line[0] != line[n - 1] || (line[0] != '\'' && line[0] != '"')) {
            throw new Malformed("the STRING opcode argument must be quoted");
        }
        StringBuilder out = new StringBuilder(n);
        for (int i = 1; i < n - 1; i++) {
            int c = line[i] & 0xff;
            if (c != '\\' || i + 1 >= n - 1) {
                if (c == '\\') throw new Malformed("a STRING ending in a lone backslash");
                out.append((char) c);
                continue;
            }
            int e = line[++i] & 0xff;
            switch (e) {
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case '\n' -> { } // a continued line
                case 'x' -> {
                    if (i + 2 >= n - 1 || hex(line[i + 1]) < 0 || hex(line[i + 2]) < 0) throw new Malformed("a bad \\x escape in a STRING");
                    out.append((char) (hex(line[i + 1]) * 16 + hex(line[i + 2])));
                    i += 2;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i + 1 < n - 1 && line[i + 1] >= '0' && line[i + 1] <= '7'; k++) v = v * 8 + (line[++i] - '0');
                        out.append((char) (v & 0xff));
                    } else {
                        out.append('\\').append((char) e);
                    }
                }
            }
        }
        return out.toString();
    }

    /** The UNICODE argument: Latin-1 with {@code \\uXXXX} and {@code \\UXXXXXXXX} escapes (raw-unicode-escape). */
    private static Object rawUnicodeEscape(byte[] line) throws Malformed {
        if (line == null) return OTHER;
        StringBuilder out = new StringBuilder(line.length);
        int i = 0;
        while (i < line.length) {
            int c = line[i] & 0xff;
            if (c != '\\') {
                out.append((char) c);
                i++;
                continue;
            }
            int run = 0;
            while (i + run < line.length && line[i + run] == '\\') run++;
            int after = i + run;
            boolean escape = run % 2 == 1 && after < line.length && (line[after] == 'u' || line[after] == 'U');
            int emit = escape ? run - 1 : run;
            for (int k = 0; k < emit; k++) out.append('\\');
            i = after;
            if (!escape) continue;
            int digits = line[after] == 'u' ? 4 : 8;
            if (after + digits >= line.length) throw new Malformed("a truncated \\u escape in UNICODE");
            int cp = 0;
            for (int k = 1; k <= digits; k++) {
                int h = hex(line[after + k]);
                if (h < 0) throw new Malformed("a bad \\u escape in UNICODE");
                cp = cp * 16 + h;
            }
            if (cp < 0 || cp > 0x10FFFF) throw new Malformed("a \\U escape beyond Unicode");
            out.appendCodePoint(cp);
            i = after + digits + 1;
        }
        return out.toString();
    }

    private static int hex(byte b) {
        return b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
    }

    /** The bytes of one scan, counted against its limit, through a buffer of its own. */
    private final class Input {
        private final InputStream in;
        private final long max;
        private final byte[] buf = new byte[64 * 1024];
        private int pos;
        private int lim;
        long position;

        Input(InputStream in, long max) {
            this.in = in;
            this.max = max;
        }

        private boolean fill() throws IOException {
            if (pos < lim) return true;
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                if (n == 0) {
                    int b = in.read();
                    if (b < 0) return false;
                    buf[0] = (byte) b;
                    n = 1;
                } else {
                    return false;
                }
            }
            pos = 0;
            lim = n;
            return true;
        }

        int peek() throws IOException { return fill() ? buf[pos] & 0xff : -1; }

        int read() throws IOException, Malformed {
            if (!fill()) return -1;
            if (++position > max) throw new Malformed("more than " + max + " bytes of pickle");
            return buf[pos++] & 0xff;
        }

        int u1() throws IOException, Malformed {
            int b = read();
            if (b < 0) throw truncated();
            return b;
        }

        int u2() throws IOException, Malformed { return u1() | u1() << 8; }

        long u4() throws IOException, Malformed { return (u2() | (long) u2() << 16) & 0xffffffffL; }

        long s4() throws IOException, Malformed { return (int) u4(); }

        /** An unsigned 64-bit length; one past {@code Long.MAX_VALUE} reads as negative and is refused by the caller. */
        long u8() throws IOException, Malformed { return u4() | u4() << 32; }

        byte[] bytes(int n) throws IOException, Malformed {
            byte[] b = new byte[n];
            int off = 0;
            while (off < n) {
                if (!fill()) throw truncated();
                int k = Math.min(n - off, lim - pos);
                System.arraycopy(buf, pos, b, off, k);
                pos += k;
                off += k;
                position += k;
                if (position > max) throw new Malformed("more than " + max + " bytes of pickle");
            }
            return b;
        }

        void skip(long n) throws IOException, Malformed {
            if (n < 0) throw new Malformed("negative length at byte " + position);
            if (position + n > max || position + n < 0) throw new Malformed("more than " + max + " bytes of pickle");
            long left = n;
            int buffered = (int) Math.min(left, lim - pos);
            pos += buffered;
            left -= buffered;
            while (left > 0) {
                long s = in.skip(left);
                if (s <= 0) {
                    if (in.read() < 0) throw truncated();
                    s = 1;
                }
                left -= s;
            }
            position += n;
        }

        /** A line without its newline; null when longer than the string limit (then consumed and dropped). */
        byte[] line() throws IOException, Malformed {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            boolean tooLong = false;
            while (true) {
                int b = read();
                if (b < 0) throw truncated();
                if (b == '\n') return tooLong ? null : out.toByteArray();
                if (out.size() < limits.maxStringBytes()) out.write(b);
                else tooLong = true;
            }
        }

        private Malformed truncated() { return new Malformed("truncated at byte " + position); }
    }
}
