package dev.forge.cards;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The header of a {@code .safetensors} file: an 8-byte little-endian length, then that many bytes of JSON
 * naming every tensor's dtype, shape and byte range in the data that follows. Only the header is read,
 * and only after its length was checked against the limit and the file's size. Every tensor must have a
 * known dtype, a shape whose element count fits its byte range exactly, and a range inside the data that
 * overlaps no other tensor's; otherwise the file is refused as the safetensors library itself would.
 */
public final class SafetensorsHeader {
    /** Far above real headers (a few MB for thousands of tensors); the format itself allows 100 MB. */
    public static final long DEFAULT_MAX_HEADER_BYTES = 32L * 1024 * 1024;
    private static final int MAX_DIMS = 16;

    /** Bits per element of each dtype the format defines. */
    private static final Map<String, Integer> BITS = Map.ofEntries(
            Map.entry("BOOL", 8), Map.entry("U8", 8), Map.entry("I8", 8), Map.entry("F8_E5M2", 8), Map.entry("F8_E4M3", 8),
            Map.entry("F8_E8M0", 8), Map.entry("I16", 16), Map.entry("U16", 16), Map.entry("F16", 16), Map.entry("BF16", 16),
            Map.entry("I32", 32), Map.entry("U32", 32), Map.entry("F32", 32), Map.entry("F64", 64), Map.entry("I64", 64),
            Map.entry("U64", 64), Map.entry("C64", 64), Map.entry("F4", 4), Map.entry("F6_E2M3", 6), Map.entry("F6_E3M2", 6));

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxStringLength(1 << 20).build()).build());

    private SafetensorsHeader() {}

    /** Parameters per dtype (sorted by dtype) and their total, as the Hub's {@code safetensors} field. */
    public record Summary(Map<String, Long> parameters, long total) {
        public Summary {
            parameters = java.util.Collections.unmodifiableMap(new TreeMap<>(parameters));
        }

        /** The sum of several files' counts (the shards of one model); refused when it passes 2^63. */
        public static Summary sum(List<Summary> parts) throws InvalidHeaderException {
            Map<String, Long> p = new TreeMap<>();
            long total = 0;
            for (Summary s : parts) {
                for (Map.Entry<String, Long> e : s.parameters.entrySet()) p.put(e.getKey(), add(p.getOrDefault(e.getKey(), 0L), e.getValue()));
                total = add(total, s.total);
            }
            return new Summary(p, total);
        }
    }

    private record Range(String name, long begin, long end) {}

    public static Summary read(SeekableByteChannel channel, long fileSize) throws IOException, InvalidHeaderException {
        return read(channel, fileSize, DEFAULT_MAX_HEADER_BYTES);
    }

    /** Reads the header; any failure on hostile bytes is an {@link InvalidHeaderException} (see {@link GgufHeader#read}). */
    public static Summary read(SeekableByteChannel channel, long fileSize, long maxHeaderBytes) throws IOException, InvalidHeaderException {
        try {
            return parse(channel, fileSize, maxHeaderBytes);
        } catch (RuntimeException e) {
            throw new InvalidHeaderException("The safetensors header cannot be read: " + e.getClass().getSimpleName());
        }
    }

    private static Summary parse(SeekableByteChannel channel, long fileSize, long maxHeaderBytes) throws IOException, InvalidHeaderException {
        HeaderReader in = new HeaderReader(channel, Math.min(fileSize, 8 + maxHeaderBytes));
        if (fileSize < 8) throw new InvalidHeaderException("Not a safetensors file: shorter than its 8-byte header length");
        long n = in.u64("the header length");
        if (n > maxHeaderBytes) throw new InvalidHeaderException("The safetensors header claims " + n + " bytes, more than the limit of " + maxHeaderBytes);
        if (n > fileSize - 8) throw new InvalidHeaderException("The safetensors header claims " + n + " bytes but the file has only " + (fileSize - 8) + " after the length");
        String text = in.utf8(n, "the safetensors header");
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw new InvalidHeaderException("The safetensors header is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) throw new InvalidHeaderException("The safetensors header is not a JSON object");
        long dataSize = fileSize - 8 - n;
        Map<String, Long> params = new TreeMap<>();
        List<Range> ranges = new ArrayList<>();
        long total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode t = e.getValue();
            if (name.equals("__metadata__")) {
                if (!t.isObject()) throw new InvalidHeaderException("__metadata__ must be an object of strings");
                for (JsonNode v : t) if (!v.isTextual()) throw new InvalidHeaderException("__metadata__ must be an object of strings");
                continue;
            }
            if (!t.isObject()) throw new InvalidHeaderException("Tensor '" + name + "' is not an object");
            String dtype = t.path("dtype").asText("");
            Integer bits = BITS.get(dtype);
            if (bits == null) throw new InvalidHeaderException("Tensor '" + name + "' has an unknown dtype '" + dtype + "'");
            JsonNode shape = t.get("shape");
            if (shape == null || !shape.isArray() || shape.size() > MAX_DIMS) {
                throw new InvalidHeaderException("Tensor '" + name + "' needs a shape of at most " + MAX_DIMS + " dimensions");
            }
            long count = 1;
            for (JsonNode d : shape) {
                if (!d.canConvertToExactIntegral() || !d.canConvertToLong() || d.asLong() < 0) {
                    throw new InvalidHeaderException("Tensor '" + name + "' has a dimension that is not a non-negative integer");
                }
                count = multiply(count, d.asLong(), name);
            }
            JsonNode offsets = t.get("data_offsets");
            if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).canConvertToLong()
                    || !offsets.get(1).canConvertToLong() || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
                throw new InvalidHeaderException("Tensor '" + name + "' needs data_offsets [begin, end]");
            }
            long begin = offsets.get(0).asLong();
            long end = offsets.get(1).asLong();
            if (begin < 0 || end < begin || end > dataSize) {
                throw new InvalidHeaderException("Tensor '" + name + "' lies outside the file's " + dataSize + " bytes of data");
            }
            long bitsTotal = multiply(count, bits, name);
            if (bitsTotal % 8 != 0 || bitsTotal / 8 != end - begin) {
                throw new InvalidHeaderException("Tensor '" + name + "' has " + (end - begin) + " bytes, not the " + bitsTotal / 8.0
                        + " its dtype and shape need");
            }
            ranges.add(new Range(name, begin, end));
            params.put(dtype, add(params.getOrDefault(dtype, 0L), count));
            total = add(total, count);
        }
        ranges.sort(Comparator.comparingLong(Range::begin).thenComparingLong(Range::end));
        long at = 0;
        for (Range r : ranges) {
            if (r.begin < at) throw new InvalidHeaderException("Tensor '" + r.name + "' overlaps another tensor's data");
            at = r.end;
        }
        return new Summary(params, total);
    }

    private static long add(long a, long b) throws InvalidHeaderException {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new InvalidHeaderException("The tensors hold more than 2^63 elements together");
        }
    }

    private static long multiply(long a, long b, String name) throws InvalidHeaderException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new InvalidHeaderException("Tensor '" + name + "' is too large to exist");
        }
    }

    static String firstLine(String s) {
        if (s == null) return "parse error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
