package dev.forge.service.demo;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ByteLevelBpeTest {
    private static final ByteLevelBpe BPE = ByteLevelBpe.train(DemoCorpus.TEXT, 400);

    @Property(tries = 300)
    void anyTextEncodesAndDecodesBackToItself(@ForAll String text) {
        String wellFormed = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        assertThat(BPE.decode(BPE.encode(wellFormed))).isEqualTo(wellFormed);
    }

    @Test
    void everyByteIsATokenInGpt2OrderAndMergesNameTokensOfTheVocabulary() {
        List<String> tokens = BPE.tokens();
        assertThat(tokens.subList(0, 3)).containsExactly("!", "\"", "#");
        assertThat(tokens.get(188)).isEqualTo("\u0100"); // byte 0 comes after the 188 printable bytes
        assertThat(tokens).contains("\u0120", "\u010a"); // the space (Ġ) and the newline (Ċ)
        assertThat(new HashSet<>(tokens)).hasSize(tokens.size());
        for (String merge : BPE.merges()) {
            String[] ab = merge.split(" ");
            assertThat(ab).hasSize(2);
            assertThat(BPE.vocab()).containsKeys(ab[0], ab[1], ab[0] + ab[1]);
        }
        assertThat(BPE.merges()).hasSizeGreaterThan(100);
    }

    @Test
    void learnedMergesMakeCommonWordsSingleTokensAndTrainingIsDeterministic() {
        assertThat(BPE.encode(" the")).hasSize(1);
        assertThat(BPE.encode("Once upon a time")).hasSize(4);
        ByteLevelBpe again = ByteLevelBpe.train(DemoCorpus.TEXT, 400);
        assertThat(again.merges()).isEqualTo(BPE.merges());
        assertThat(again.vocab()).isEqualTo(BPE.vocab());
        assertThat(ByteLevelBpe.train(DemoCorpus.TEXT, 10).merges()).isEqualTo(BPE.merges().subList(0, 10));
    }
}
