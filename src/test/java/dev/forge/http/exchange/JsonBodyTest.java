package dev.forge.http.exchange;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Request records bound from JSON: strict scalars, unknown fields ignored, and every failure a 400 that names its field. */
class JsonBodyTest {
    record File(String path, Long size) {}

    record Batch(List<File> files, boolean flag, String note) {
        Batch {
            if (files == null) throw ForgeException.badRequest("'files' must be a list");
        }
    }

    private static Batch parse(String json) {
        return JsonBody.parse(json.getBytes(StandardCharsets.UTF_8), Batch.class);
    }

    @Test
    void bindsWhatItReadsAndIgnoresTheRest() {
        Batch b = parse("{\"files\":[{\"path\":\"a\",\"size\":3,\"extra\":[1,{}]}],\"flag\":true,\"hash_algo\":\"sha256\"}");
        assertThat(b).isEqualTo(new Batch(List.of(new File("a", 3L)), true, null));
        assertThat(parse("{\"files\":[],\"flag\":null,\"note\":null}")).isEqualTo(new Batch(List.of(), false, null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"files\":[{\"path\":12}]}                | 'files[0].path' must be a string",
            "{\"files\":[{\"path\":true}]}              | 'files[0].path' must be a string",
            "{\"files\":[{\"path\":\"a\",\"size\":\"12\"}]} | 'files[0].size' must be a number",
            "{\"files\":{}}                             | 'files' must be a list",
            "{\"files\":[\"a\"]}                        | 'files[0]' must be an object",
            "{\"files\":[],\"flag\":\"true\"}           | 'flag' must be true or false",
            "{\"files\":[],\"flag\":1}                  | 'flag' must be true or false",
            "{\"files\":[],\"note\":{}}                 | 'note' must be a string",
            "{}                                         | 'files' must be a list",
            "[1]                                        | The request body must be a JSON object",
            "null                                       | The request body must be a JSON object",
            "\"text\"                                   | The request body must be a JSON object",
            "{\"files\":[],}                            | The request body is not valid JSON",
            "{\"files\":[                               | The request body is not valid JSON",
    })
    void refusesWithABadRequestNamingTheField(String json, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(ForgeException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.BAD_REQUEST);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void freeFormObjectsKeepTheirFields() {
        assertThat(JsonBody.object("{\"b\":1,\"a\":[2]}".getBytes(StandardCharsets.UTF_8)).toString()).isEqualTo("{\"b\":1,\"a\":[2]}");
        assertThatThrownBy(() -> JsonBody.object("[]".getBytes(StandardCharsets.UTF_8))).isInstanceOf(ForgeException.class)
                .hasMessage("The request body must be a JSON object");
    }
}
