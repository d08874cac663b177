package dev.forge.cards;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The header of a {@code .gguf} file (versions 2 and 3): metadata key-value pairs, then one descriptor per
 * tensor (name, dimensions, ggml type, offset into the aligned data section). Reads at most the header
 * limit from the start of the file and keeps only what the Hub shows — architecture, context length, chat
 * template, BOS/EOS tokens, the quantization (file type) and parameter counts; large arrays such as the
 * vocabulary are stepped over, not loaded. Lengths and counts are checked against the bytes left before
 * they are followed; tensors must have a known type, a shape their type's blocks divide, an aligned offset,
 * and data inside the file that overlaps no other tensor's.
 */
public final class GgufHeader {
    /** Real headers are a few MB (mostly the vocabulary); 64 MiB leaves room for very large vocabularies. */
    public static final long DEFAULT_MAX_HEADER_BYTES = 64L * 1024 * 1024;
    private static final long MAGIC = 0x46554747L; // "GGUF" read as little-endian
    private static final int MAX_DIMS = 4;
    private static final int MAX_KEPT_STRING = 1024 * 1024;
    private static final int MAX_ARRAY_DEPTH = 3;

    /** Value types of metadata. */
    private static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    /** A ggml tensor type: name, elements per block and bytes per block. */
    record TensorType(String name, int blockSize, int typeSize) {}

    static final Map<Integer, TensorType> TYPES = Map.ofEntries(
            t(0, "F32", 1, 4), t(1, "F16", 1, 2), t(2, "Q4_0", 32, 18), t(3, "Q4_1", 32, 20), t(6, "Q5_0", 32, 22),
            t(7, "Q5_1", 32, 24), t(8, "Q8_0", 32, 34), t(9, "Q8_1", 32, 36), t(10, "Q2_K", 256, 84), t(11, "Q3_K", 256, 110),
            t(12, "Q4_K", 256, 144), t(13, "Q5_K", 256, 176), t(14, "Q6_K", 256, 210), t(15, "Q8_K", 256, 292),
            t(16, "IQ2_XXS", 256, 66), t(17, "IQ2_XS", 256, 74), t(18, "IQ3_XXS", 256, 98), t(19, "IQ1_S", 256, 50),
            t(20, "IQ4_NL", 32, 18), t(21, "IQ3_S", 256, 110), t(22, "IQ2_S", 256, 82), t(23, "IQ4_XS", 256, 136),
            t(24, "I8", 1, 1), t(25, "I16", 1, 2), t(26, "I32", 1, 4), t(27, "I64", 1, 8), t(28, "F64", 1, 8),
            t(29, "IQ1_M", 256, 56), t(30, "BF16", 1, 2), t(34, "TQ1_0", 256, 54), t(35, "TQ2_0", 256, 66), t(39, "MXFP4", 32, 17));

    /** {@code general.file_type} (llama.cpp's {@code llama_ftype}) as the names quantized files go by. */
    static final Map<Long, String> FILE_TYPES = Map.ofEntries(
            Map.entry(0L, "F32"), Map.entry(1L, "F16"), Map.entry(2L, "Q4_0"), Map.entry(3L, "Q4_1"), Map.entry(7L, "Q8_0"),
            Map.entry(8L, "Q5_0"), Map.entry(9L, "Q5_1"), Map.entry(10L, "Q2_K"), Map.entry(11L, "Q3_K_S"), Map.entry(12L, "Q3_K_M"),
            Map.entry(13L, "Q3_K_L"), Map.entry(14L, "Q4_K_S"), Map.entry(15L, "Q4_K_M"), Map.entry(16L, "Q5_K_S"),
            Map.entry(17L, "Q5_K_M"), Map.entry(18L, "Q6_K"), Map.entry(19L, "IQ2_XXS"), Map.entry(20L, "IQ2_XS"),
            Map.entry(21L, "Q2_K_S"), Map.entry(22L, "IQ3_XS"), Map.entry(23L, "IQ3_XXS"), Map.entry(24L, "IQ1_S"),
            Map.entry(25L, "IQ4_NL"), Map.entry(26L, "IQ3_S"), Map.entry(27L, "IQ3_M"), Map.entry(28L, "IQ2_S"),
            Map.entry(29L, "IQ2_M"), Map.entry(30L, "IQ4_XS"), Map.entry(31L, "IQ1_M"), Map.entry(32L, "BF16"),
            Map.entry(36L, "TQ1_0"), Map.entry(37L, "TQ2_0"), Map.entry(38L, "MXFP4_MOE"));

    private static Map.Entry<Integer, TensorType> t(int id, String name, int block, int size) {
        return Map.entry(id, new TensorType(name, block, size));
    }

    private GgufHeader() {}

    /**
     * What the Hub's {@code gguf} field and the index need from one file.
     *
     * @param parametersByType elements per ggml tensor type (sorted)
     * @param quantization the file type's name ({@code Q4_K_M}), when the file declares a known one
     */
    public record Summary(int version, long total, Optional<String> architecture, Optional<Long> contextLength,
                          Optional<String> chatTemplate, Optional<String> bosToken, Optional<String> eosToken,
                          Optional<String> quantization, Map<String, Long> parametersByType) {}

    private record Tensor(String name, long offset, long bytes) {}

    public static Summary read(SeekableByteChannel channel, long fileSize) throws IOException, InvalidHeaderException {
        return read(channel, fileSize, DEFAULT_MAX_HEADER_BYTES);
    }

    /**
     * Reads the header within {@code maxHeaderBytes}. Whatever goes wrong inside the parser on hostile bytes (an
     * overflowing sum, an index out of range) is an {@link InvalidHeaderException}, never another exception: the
     * callers index whole repositories and must be able to record one bad file and go on.
     */
    public static Summary read(SeekableByteChannel channel, long fileSize, long maxHeaderBytes) throws IOException, InvalidHeaderException {
        try {
            return parse(channel, fileSize, maxHeaderBytes);
        } catch (RuntimeException e) {
            throw new InvalidHeaderException("The GGUF header cannot be read: " + e.getClass().getSimpleName());
        }
    }

    private static Summary parse(SeekableByteChannel channel, long fileSize, long maxHeaderBytes) throws IOException, InvalidHeaderException {
        HeaderReader in = new HeaderReader(channel, Math.min(fileSize, maxHeaderBytes));
        if (fileSize < 24 || in.u32("the magic") != MAGIC) throw new InvalidHeaderException("Not a GGUF file (no GGUF magic)");
        int version = (int) in.u32("the version");
        if (version != 2 && version != 3) throw new InvalidHeaderException("Unsupported GGUF version " + version + " (2 and 3 are read)");
        long tensorCount = in.u64("the tensor count");
        long kvCount = in.u64("the metadata count");
        // every pair takes at least a key length, a type and one byte; every tensor at least 28 bytes
        if (kvCount > in.remaining() / 13) throw new InvalidHeaderException("The GGUF header claims " + kvCount + " metadata pairs, more than fit in it");
        if (tensorCount > in.remaining() / 28) throw new InvalidHeaderException("The GGUF header claims " + tensorCount + " tensors, more than fit in it");

        Map<String, Object> kept = new TreeMap<>();
        long tokensAt = -1;
        long tokensCount = 0;
        for (long i = 0; i < kvCount; i++) {
            String key = string(in, "a metadata key");
            int type = (int) in.u32("the type of " + key);
            if (key.equals("tokenizer.ggml.tokens") && type == ARRAY) {
                int elementType = (int) in.u32("the element type of " + key);
                tokensCount = in.u64("the length of " + key);
                tokensAt = in.position();
                skipArray(in, elementType, tokensCount, key, 1);
                if (elementType != STRING) tokensAt = -1;
                continue;
            }
            Object value = value(in, type, key, wanted(key));
            if (value != null) kept.put(key, value);
        }

        long alignment = kept.get("general.alignment") instanceof Long a ? a : 32;
        if (alignment <= 0 || Long.bitCount(alignment) != 1 || alignment > 1 << 20) {
            throw new InvalidHeaderException("general.alignment must be a power of two, not " + alignment);
        }
        List<Tensor> tensors = new ArrayList<>();
        Map<String, Long> byType = new TreeMap<>();
        long total = 0;
        for (long i = 0; i < tensorCount; i++) {
            String name = string(in, "a tensor name");
            long dims = in.u32("the dimensions of " + name);
            if (dims < 1 || dims > MAX_DIMS) throw new InvalidHeaderException("Tensor '" + name + "' has " + dims + " dimensions (1 to 4 allowed)");
            long elements = 1;
            long first = 0;
            for (int d = 0; d < dims; d++) {
                long n = in.u64("a dimension of " + name);
                if (d == 0) first = n;
                try {
                    elements = Math.multiplyExact(elements, n);
                } catch (ArithmeticException e) {
                    throw new InvalidHeaderException("Tensor '" + name + "' is too large to exist");
                }
            }
            int typeId = (int) in.u32("the type of " + name);
            TensorType type = TYPES.get(typeId);
            if (type == null) throw new InvalidHeaderException("Tensor '" + name + "' has an unknown ggml type " + typeId);
            if (first % type.blockSize() != 0) {
                throw new InvalidHeaderException("Tensor '" + name + "' has a first dimension of " + first + ", not a multiple of its "
                        + type.name() + " block size " + type.blockSize());
            }
            long offset = in.u64("the offset of " + name);
            if (offset % alignment != 0) throw new InvalidHeaderException("Tensor '" + name + "' is not aligned to " + alignment + " bytes");
            long bytes;
            try {
                bytes = Math.multiplyExact(elements / type.blockSize(), (long) type.typeSize());
            } catch (ArithmeticException e) {
                throw new InvalidHeaderException("Tensor '" + name + "' is too large to exist");
            }
            tensors.add(new Tensor(name, offset, bytes));
            byType.put(type.name(), add(byType.getOrDefault(type.name(), 0L), elements));
            total = add(total, elements);
        }
        long dataStart = (in.position() + alignment - 1) / alignment * alignment;
        tensors.sort(Comparator.comparingLong(Tensor::offset));
        long at = 0;
        for (Tensor t : tensors) {
            if (t.offset < at) throw new InvalidHeaderException("Tensor '" + t.name + "' overlaps another tensor's data");
            at = t.offset + t.bytes;
            if (at < 0 || dataStart + at > fileSize) {
                throw new InvalidHeaderException("Tensor '" + t.name + "' lies beyond the end of the file (" + fileSize + " bytes)");
            }
        }

        Optional<String> architecture = text(kept, "general.architecture");
        Optional<Long> context = architecture.flatMap(a -> number(kept, a + ".context_length"));
        Optional<String> bos = Optional.empty(), eos = Optional.empty();
        if (tokensAt >= 0) {
            Optional<Long> bosId = number(kept, "tokenizer.ggml.bos_token_id");
            Optional<Long> eosId = number(kept, "tokenizer.ggml.eos_token_id");
            Map<Long, String> found = tokens(in, tokensAt, tokensCount, bosId, eosId);
            bos = bosId.map(found::get);
            eos = eosId.map(found::get);
        }
        Optional<String> quantization = number(kept, "general.file_type").map(FILE_TYPES::get);
        return new Summary(version, total, architecture, context, text(kept, "tokenizer.chat_template"), bos, eos, quantization, byType);
    }

    /** Element counts of tensors that could exist in a file add up to less than 2^63. */
    private static long add(long a, long b) throws InvalidHeaderException {
        long sum = a + b;
        if (((a ^ sum) & (b ^ sum)) < 0) throw new InvalidHeaderException("The tensors hold more than 2^63 elements together");
        return sum;
    }

    /** Keys whose values are kept; the rest are stepped over. */
    private static boolean wanted(String key) {
        return key.equals("general.architecture") || key.equals("general.alignment") || key.equals("general.file_type")
                || key.endsWith(".context_length") || key.equals("tokenizer.chat_template")
                || key.equals("tokenizer.ggml.bos_token_id") || key.equals("tokenizer.ggml.eos_token_id");
    }

    /** Reads the tokens with the given ids from the vocabulary array, stepping over the others. */
    private static Map<Long, String> tokens(HeaderReader in, long at, long count, Optional<Long> a, Optional<Long> b)
            throws IOException, InvalidHeaderException {
        Map<Long, String> out = new TreeMap<>();
        long last = Math.max(a.orElse(-1L), b.orElse(-1L));
        if (last < 0 || last >= count) return out;
        in.seek(at);
        for (long i = 0; i <= last; i++) {
            long n = in.u64("a token's length");
            if ((a.isPresent() && a.get() == i) || (b.isPresent() && b.get() == i)) {
                if (n > MAX_KEPT_STRING) throw new InvalidHeaderException("A special token is longer than " + MAX_KEPT_STRING + " bytes");
                out.put(i, in.utf8(n, "a token"));
            } else {
                in.skip(n, "a token");
            }
        }
        return out;
    }

    private static String string(HeaderReader in, String what) throws IOException, InvalidHeaderException {
        long n = in.u64("the length of " + what);
        if (n > MAX_KEPT_STRING) throw new InvalidHeaderException("The length of " + what + " is " + n + " bytes, more than " + MAX_KEPT_STRING);
        return in.utf8(n, what);
    }

    /** Reads one value; returns it only when {@code keep} (strings and numbers), otherwise steps over it. */
    private static Object value(HeaderReader in, int type, String key, boolean keep) throws IOException, InvalidHeaderException {
        switch (type) {
            case UINT8, INT8, BOOL -> { return keepIf(keep, (long) in.u8(key)); }
            case UINT16, INT16 -> { in.skip(2, key); return null; }
            case UINT32 -> { return keepIf(keep, in.u32(key)); }
            case INT32 -> { long v = in.u32(key); return keepIf(keep, (long) (int) v); }
            case FLOAT32 -> { in.skip(4, key); return null; }
            case UINT64, INT64 -> { return keepIf(keep, in.i64(key)); }
            case FLOAT64 -> { in.skip(8, key); return null; }
            case STRING -> {
                long n = in.u64("the length of " + key);
                if (keep && n <= MAX_KEPT_STRING) return in.utf8(n, key);
                in.skip(n, key);
                return null;
            }
            case ARRAY -> {
                int elementType = (int) in.u32("the element type of " + key);
                long count = in.u64("the length of " + key);
                skipArray(in, elementType, count, key, 1);
                return null;
            }
            default -> throw new InvalidHeaderException("Metadata '" + key + "' has an unknown value type " + type);
        }
    }

    private static Object keepIf(boolean keep, Long v) { return keep ? v : null; }

    private static void skipArray(HeaderReader in, int elementType, long count, String key, int depth) throws IOException, InvalidHeaderException {
        if (depth > MAX_ARRAY_DEPTH) throw new InvalidHeaderException("Metadata '" + key + "' nests arrays deeper than " + MAX_ARRAY_DEPTH);
        int fixed = switch (elementType) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64 -> 8;
            case STRING -> -1;
            case ARRAY -> -2;
            default -> throw new InvalidHeaderException("Metadata '" + key + "' has an unknown element type " + elementType);
        };
        if (fixed > 0) {
            if (count > in.remaining() / fixed) throw new InvalidHeaderException("Metadata '" + key + "' claims " + count + " elements, more than fit in the header");
            in.skip(count * fixed, key);
            return;
        }
        if (count > in.remaining() / (fixed == -1 ? 8 : 12)) {
            throw new InvalidHeaderException("Metadata '" + key + "' claims " + count + " elements, more than fit in the header");
        }
        for (long i = 0; i < count; i++) {
            if (fixed == -1) {
                in.skip(in.u64("an element of " + key), key);
            } else {
                int inner = (int) in.u32("an element type of " + key);
                skipArray(in, inner, in.u64("an element length of " + key), key, depth + 1);
            }
        }
    }

    private static Optional<String> text(Map<String, Object> kept, String key) {
        return kept.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    private static Optional<Long> number(Map<String, Object> kept, String key) {
        return kept.get(key) instanceof Long n ? Optional.of(n) : Optional.empty();
    }
}
