package dev.forge.http.xet;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.forge.service.xet.Reconstruction;
import dev.forge.service.xet.XetHashHex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON of Xet's token and CAS endpoints, field for field as hf_xet and @huggingface/hub read it. */
final class XetJson {
    private XetJson() {}

    /** The token endpoints' body ({@code xet-read-token}, {@code xet-write-token}). */
    record Token(String accessToken, long exp, String casUrl) {}

    record XorbUploaded(@JsonProperty("was_inserted") boolean wasInserted) {}

    /** {@code result}: 0 the shard's files were all known, 1 something was registered. */
    record ShardUploaded(int result) {}

    /** A half-open range {@code [start, end)} of chunks, or an inclusive byte range (as {@code url_range} is). */
    record Span(long start, long end) {}

    record Term(String hash, @JsonProperty("unpacked_length") long unpackedLength, Span range) {}

    record FetchInfo(Span range, String url, @JsonProperty("url_range") Span urlRange) {}

    record ReconstructionV1(@JsonProperty("offset_into_first_range") long offsetIntoFirstRange, List<Term> terms,
                            @JsonProperty("fetch_info") Map<String, List<FetchInfo>> fetchInfo) {}

    record RangeDescriptor(Span chunks, Span bytes) {}

    record MultiRangeFetch(String url, List<RangeDescriptor> ranges) {}

    record ReconstructionV2(@JsonProperty("offset_into_first_range") long offsetIntoFirstRange, List<Term> terms,
                            Map<String, List<MultiRangeFetch>> xorbs) {}

    private static List<Term> terms(Reconstruction r) {
        return r.terms().stream().map(t -> new Term(t.xorbHash().hex(), t.unpackedLength(), new Span(t.chunkStart(), t.chunkEnd()))).toList();
    }

    /** Version 1: one signed URL per fetch range ({@code url} names the range; {@code url_range} is what to ask). */
    static ReconstructionV1 v1(Reconstruction r, UrlFor urls) {
        return new ReconstructionV1(r.offsetIntoFirstRange(), terms(r), perXorb(r, (xorb, f) ->
                new FetchInfo(new Span(f.chunkStart(), f.chunkEnd()), urls.url(xorb, f), new Span(f.byteStart(), f.byteEndInclusive()))));
    }

    /** Version 2: the same ranges, one single-range fetch each (so a client never needs multipart answers). */
    static ReconstructionV2 v2(Reconstruction r, UrlFor urls) {
        return new ReconstructionV2(r.offsetIntoFirstRange(), terms(r), perXorb(r, (xorb, f) -> new MultiRangeFetch(urls.url(xorb, f),
                List.of(new RangeDescriptor(new Span(f.chunkStart(), f.chunkEnd()), new Span(f.byteStart(), f.byteEndInclusive()))))));
    }

    @FunctionalInterface
    interface UrlFor {
        String url(XetHashHex xorb, Reconstruction.FetchRange range);
    }

    private static <T> Map<String, List<T>> perXorb(Reconstruction r, java.util.function.BiFunction<XetHashHex, Reconstruction.FetchRange, T> f) {
        Map<String, List<T>> out = new LinkedHashMap<>();
        r.fetchInfo().forEach((xorb, ranges) -> out.put(xorb.hex(), ranges.stream().map(range -> f.apply(xorb, range)).toList()));
        return out;
    }

}
