package dev.forge.service.serving;

import dev.forge.core.FileEntry;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;


import static org.assertj.core.api.Assertions.assertThat;

class GgufSelectionTest {
    private static final List<FileEntry> BARTOWSKI = files(
            "README.md", "Llama-3.2-1B-Instruct-IQ3_M.gguf", "Llama-3.2-1B-Instruct-Q4_K.gguf", "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
            "Llama-3.2-1B-Instruct-Q8_0.gguf", "Llama-3.2-1B-Instruct-f16.gguf", "Llama-3.2-1B-Instruct.imatrix.gguf");

    @Test
    void latestIsQ4KMWhenPresentAndTagsAreWholeCaseInsensitiveTokens() {
        assertThat(model(BARTOWSKI, "latest")).isEqualTo("Llama-3.2-1B-Instruct-Q4_K_M.gguf");
        assertThat(model(BARTOWSKI, "")).isEqualTo("Llama-3.2-1B-Instruct-Q4_K_M.gguf");
        assertThat(model(BARTOWSKI, "q8_0")).isEqualTo("Llama-3.2-1B-Instruct-Q8_0.gguf");
        assertThat(model(BARTOWSKI, "Q4_K")).isEqualTo("Llama-3.2-1B-Instruct-Q4_K.gguf");
        assertThat(model(BARTOWSKI, "F16")).isEqualTo("Llama-3.2-1B-Instruct-f16.gguf");
        assertThat(model(BARTOWSKI, "llama-3.2-1b-instruct-iq3_m.gguf")).isEqualTo("Llama-3.2-1B-Instruct-IQ3_M.gguf");
    }

    @Test
    void latestFallsBackThroughThePreferenceThenToTheFirstModel() {
        assertThat(model(files("m-Q8_0.gguf", "m-Q4_0.gguf", "m-F16.gguf"), "latest")).isEqualTo("m-Q4_0.gguf");
        assertThat(model(files("m-Q8_0.gguf", "m-F16.gguf"), "latest")).isEqualTo("m-Q8_0.gguf");
        assertThat(model(files("zeta.gguf", "alpha.gguf"), "latest")).isEqualTo("alpha.gguf");
    }

    @Test
    void splitModelsAreNamedByTheirFirstPartAndBringEveryPartInOrder() {
        List<FileEntry> repo = files("Q4_K_M/Big-Q4_K_M-00002-of-00003.gguf", "Q4_K_M/Big-Q4_K_M-00001-of-00003.gguf",
                "Q4_K_M/Big-Q4_K_M-00003-of-00003.gguf", "Big-Q8_0.gguf");
        GgufSelection.Choice c = choice(repo, "Q4_K_M");
        assertThat(c.model().path()).isEqualTo("Q4_K_M/Big-Q4_K_M-00001-of-00003.gguf");
        assertThat(c.parts()).extracting(FileEntry::path).containsExactly("Q4_K_M/Big-Q4_K_M-00001-of-00003.gguf",
                "Q4_K_M/Big-Q4_K_M-00002-of-00003.gguf", "Q4_K_M/Big-Q4_K_M-00003-of-00003.gguf");
        assertThat(c.isSplit()).isTrue();
        assertThat(model(repo, "latest")).isEqualTo("Q4_K_M/Big-Q4_K_M-00001-of-00003.gguf");
        assertThat(choice(repo, "Q8_0").parts()).hasSize(1);
    }

    @Test
    void theProjectorIsTheNearestMmprojNeverTheModel() {
        List<FileEntry> repo = files("gemma-Q4_K_M.gguf", "gemma-Q8_0.gguf", "mmproj-gemma-F16.gguf", "mmproj-gemma-Q8_0.gguf",
                "other/mmproj-other-F32.gguf");
        assertThat(choice(repo, "latest").projector()).map(FileEntry::path).contains("mmproj-gemma-Q8_0.gguf");
        assertThat(choice(repo, "Q8_0").projector()).map(FileEntry::path).contains("mmproj-gemma-Q8_0.gguf");
        assertThat(choice(files("a/m-F16.gguf", "mmproj-F16.gguf", "a/mmproj-Q4_0.gguf"), "F16").projector())
                .map(FileEntry::path).contains("a/mmproj-Q4_0.gguf");
        assertThat(choice(files("m-Q4_0.gguf"), "latest").projector()).isEmpty();
        assertThat(GgufSelection.select(files("mmproj-only-F16.gguf"), "latest"))
                .isInstanceOf(GgufSelection.Outcome.NotFound.class);
    }

    @Test
    void unknownTagsAndRepositoriesWithoutGgufAreMissesThatSayWhy() {
        var miss = GgufSelection.select(BARTOWSKI, "Q2_K");
        assertThat(miss).isInstanceOfSatisfying(GgufSelection.Outcome.NotFound.class, n ->
                assertThat(n.miss()).isInstanceOfSatisfying(GgufSelection.Miss.NoSuchTag.class, t ->
                        assertThat(t.available()).contains("Q4_K_M", "Q8_0", "F16", "IQ3_M")));
        assertThat(GgufSelection.select(files("model.safetensors", "README.md"), "latest"))
                .isEqualTo(new GgufSelection.Outcome.NotFound(new GgufSelection.Miss.NoGguf()));
        assertThat(GgufSelection.select(BARTOWSKI, "x".repeat(10_000))).isInstanceOf(GgufSelection.Outcome.NotFound.class);
        assertThat(GgufSelection.select(BARTOWSKI, "Q4_K_M.*")).isInstanceOf(GgufSelection.Outcome.NotFound.class);
    }

    private static String model(List<FileEntry> files, String tag) {
        return choice(files, tag).model().path();
    }

    private static GgufSelection.Choice choice(List<FileEntry> files, String tag) {
        GgufSelection.Outcome o = GgufSelection.select(files, tag);
        assertThat(o).as(tag).isInstanceOf(GgufSelection.Outcome.Found.class);
        return ((GgufSelection.Outcome.Found) o).choice();
    }

    static List<FileEntry> files(String... paths) {
        return Arrays.stream(paths).map(p -> new FileEntry(p, false, 100, "0".repeat(40),
                p.endsWith(".gguf") ? new FileEntry.LfsInfo("a".repeat(64), 100, 130) : null, null)).toList();
    }

}
