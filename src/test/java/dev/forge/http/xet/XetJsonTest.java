package dev.forge.http.xet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.ByteRange;
import dev.forge.core.ForgeException;
import dev.forge.service.xet.Reconstruction;
import dev.forge.service.xet.XetHashHex;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reconstruction answers field for field as xet-core's serde types name them ({@code QueryReconstructionResponse},
 * {@code QueryReconstructionResponseV2}: snake_case, {@code url_range} inclusive), and the reconstruction {@code Range}
 * header as the clients send it.
 */
class XetJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final XetHashHex XORB = new XetHashHex("ab".repeat(32));

    static Reconstruction sample() {
        return new Reconstruction(7, List.of(new Reconstruction.Term(XORB, 1000, 2, 5)),
                Map.of(XORB, List.of(new Reconstruction.FetchRange(2, 5, 300, 1299))), 5000);
    }

    @Test
    void versionOneNamesEveryFieldAsTheClientsRead() {
        JsonNode j = JSON.valueToTree(XetJson.v1(sample(), (x, f) -> "u/" + x.hex() + "/" + f.byteStart()));
        assertThat(j.path("offset_into_first_range").asLong()).isEqualTo(7);
        JsonNode term = j.path("terms").get(0);
        assertThat(term.path("hash").asText()).isEqualTo(XORB.hex());
        assertThat(term.path("unpacked_length").asLong()).isEqualTo(1000);
        assertThat(term.path("range").path("start").asInt()).isEqualTo(2);
        assertThat(term.path("range").path("end").asInt()).isEqualTo(5);
        JsonNode fetch = j.path("fetch_info").path(XORB.hex()).get(0);
        assertThat(fetch.path("url").asText()).isEqualTo("u/" + XORB.hex() + "/300");
        assertThat(fetch.path("range").path("start").asInt()).isEqualTo(2);
        assertThat(fetch.path("url_range").path("start").asLong()).isEqualTo(300);
        assertThat(fetch.path("url_range").path("end").asLong()).as("inclusive").isEqualTo(1299);
    }

    @Test
    void versionTwoIsOneSingleRangeFetchPerRange() {
        JsonNode j = JSON.valueToTree(XetJson.v2(sample(), (x, f) -> "u"));
        assertThat(j.path("offset_into_first_range").asLong()).isEqualTo(7);
        JsonNode fetch = j.path("xorbs").path(XORB.hex()).get(0);
        assertThat(fetch.path("url").asText()).isEqualTo("u");
        assertThat(fetch.path("ranges")).hasSize(1);
        assertThat(fetch.path("ranges").get(0).path("chunks").path("end").asInt()).isEqualTo(5);
        assertThat(fetch.path("ranges").get(0).path("bytes").path("end").asLong()).isEqualTo(1299);
    }

    @Test
    void reconstructionRangesAreParsedAsSent() {
        assertThat(XetHandlers.fileRange(null)).isEmpty();
        assertThat(XetHandlers.fileRange("bytes=0-99")).contains(new ByteRange(0, 99, Long.MAX_VALUE));
        assertThat(XetHandlers.fileRange("bytes=100-")).map(ByteRange::first).contains(100L);
        for (String bad : new String[] {"bytes=-5", "bytes=5-1", "bytes=a-b", "items=0-1", "bytes=0-1,3-4", "bytes=99999999999999999999-"}) {
            assertThatThrownBy(() -> XetHandlers.fileRange(bad)).as(bad).isInstanceOf(ForgeException.class);
        }
    }
}
