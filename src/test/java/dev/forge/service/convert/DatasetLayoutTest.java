package dev.forge.service.convert;

import dev.forge.cards.CardData;
import dev.forge.core.FileEntry;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The splits {@code datasets} finds, for the repository shapes its documentation lists. */
class DatasetLayoutTest {

    @Test
    void splitsFromFileNamesFoldersShardsOrEverythingAsTrain() {
        assertThat(layout("README.md", "data/train.jsonl", "data/test.jsonl", ".gitattributes"))
                .isEqualTo(Map.of("default", Map.of("train", List.of("data/train.jsonl"), "test", List.of("data/test.jsonl"))));
        assertThat(layout("train/a.csv", "train/b.csv", "valid/c.csv", "notes.txt"))
                .isEqualTo(Map.of("default", Map.of("train", List.of("train/a.csv", "train/b.csv"), "validation", List.of("valid/c.csv"))));
        assertThat(layout("data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet", "data/custom-00000-of-00001.parquet"))
                .isEqualTo(Map.of("default", Map.of("train", List.of("data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"),
                        "custom", List.of("data/custom-00000-of-00001.parquet"))));
        assertThat(layout("stories.jsonl", "more/stories2.json")).isEqualTo(Map.of("default", Map.of("train", List.of("more/stories2.json", "stories.jsonl"))));
        assertThat(layout("my_test-set.csv", "latest.csv")).isEqualTo(Map.of("default", Map.of("test", List.of("my_test-set.csv"))));
    }

    @Test
    void hiddenAndMetadataFilesAreNotDataAndTheMostCommonFormatWins() {
        assertThat(layout(".hidden/train.csv", "__pycache__/test.csv", "config.json", "dataset_info.json", "model.bin")).isEmpty();
        assertThat(layout("a.csv", "b.csv", "c.jsonl")).isEqualTo(Map.of("default", Map.of("train", List.of("a.csv", "b.csv"))));
    }

    @Test
    void configsOfTheCardNameTheirFilesBySplitPatternListOrFolder() {
        String card = """
                ---
                configs:
                - config_name: en
                  data_files:
                  - split: train
                    path: "en/train-*.csv"
                  - split: test
                    path: ["en/test.csv"]
                - config_name: fr
                  data_dir: fr
                - config_name: all
                  data_files: "**/*.csv"
                ---
                """;
        assertThat(layoutWithCard(card, "en/train-1.csv", "en/train-2.csv", "en/test.csv", "fr/train.csv", "fr/test.csv"))
                .isEqualTo(Map.of(
                        "en", Map.of("train", List.of("en/train-1.csv", "en/train-2.csv"), "test", List.of("en/test.csv")),
                        "fr", Map.of("train", List.of("fr/train.csv"), "test", List.of("fr/test.csv")),
                        "all", Map.of("train", List.of("en/test.csv", "en/train-1.csv", "en/train-2.csv", "fr/test.csv", "fr/train.csv"))));
    }

    @Test
    void malformedConfigsAreRefusedWithTheReason() {
        for (String yaml : List.of("configs: 3", "configs: [{data_files: x}]", "configs: [{config_name: '../x', data_files: a}]",
                "configs: [{config_name: a, data_files: 5}]", "configs: [{config_name: a, data_files: [{split: 'bad split', path: x}]}]",
                "configs: [{config_name: a, data_files: [{split: train, path: 7}]}]")) {
            assertThatThrownBy(() -> DatasetLayout.of(List.of(file("a.csv")), CardData.parse("---\n" + yaml + "\n---\n").orElseThrow()))
                    .as(yaml).isInstanceOf(DatasetLayout.InvalidConfigsException.class);
        }
    }

    @Test
    void globsFollowFsspec() {
        assertThat(DatasetLayout.glob("**/train/**").matcher("train/x.csv").matches()).isTrue();
        assertThat(DatasetLayout.glob("**/train/**").matcher("a/b/train/c/x.csv").matches()).isTrue();
        assertThat(DatasetLayout.glob("*.csv").matcher("a/x.csv").matches()).isFalse();
        assertThat(DatasetLayout.glob("**.csv").matcher("a/x.csv").matches()).isTrue();
        assertThat(DatasetLayout.glob("data/[!x]?.csv").matcher("data/ab.csv").matches()).isTrue();
        assertThat(DatasetLayout.glob("a(b).csv").matcher("a(b).csv").matches()).isTrue();
    }

    private static Map<String, Map<String, List<String>>> layout(String... paths) {
        return layoutWithCard("", paths);
    }

    private static Map<String, Map<String, List<String>>> layoutWithCard(String card, String... paths) {
        Map<String, Object> yaml = card.isEmpty() ? Map.of() : CardData.parse(card).orElseThrow();
        Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
        for (DatasetLayout.Config c : DatasetLayout.of(Arrays.stream(paths).sorted().map(DatasetLayoutTest::file).toList(), yaml)) {
            Map<String, List<String>> splits = new LinkedHashMap<>();
            for (DatasetLayout.Split s : c.splits()) splits.put(s.name(), s.files().stream().map(FileEntry::path).toList());
            out.put(c.name(), splits);
        }
        return out;
    }

    private static FileEntry file(String path) {
        return new FileEntry(path, false, 10, "0".repeat(40), null, null);
    }
}
