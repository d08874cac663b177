package dev.forge.core;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class RepoPathPropertiesTest {

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> segments = Arbitraries.oneOf(
                Arbitraries.of("", ".", "..", ".git", ".GIT", ".Git", "...", "a", "b.txt", "..a", "a..", " ", "#", "\\", "..\\..",
                        "\u0000", "\n", "\u007f", "é", "\uD83D\uDE00", "\uD800", "\uDC00", "/"),
                Arbitraries.strings().withChars("./\\aG it\u0000").ofMaxLength(6),
                Arbitraries.strings().ofMaxLength(8));
        return Arbitraries.oneOf(
                segments.list().ofMinSize(1).ofMaxSize(6).map(l -> String.join("/", l)),
                segments.list().ofMinSize(1).ofMaxSize(6).map(l -> "/" + String.join("/", l)),
                Arbitraries.strings().ofMaxLength(60),
                Arbitraries.strings().withChars("./\\").ofMaxLength(12));
    }

    @Property(tries = 2000)
    void isValidNeverThrowsAndValidPathsHaveNoDotSegments(@ForAll("paths") String path) {
        boolean valid = RepoPath.isValid(path);
        if (!valid) return;
        assertThat(path).doesNotStartWith("/").doesNotContain("\\").doesNotContain("\u0000");
        assertThat(Arrays.asList(path.split("/", -1)))
                .doesNotContain("", ".", "..")
                .allSatisfy(s -> assertThat(s).isNotEqualToIgnoringCase(".git"));
        assertThat(RepoPath.validate(path)).isEqualTo(path);
        // git stores the UTF-8 bytes: a valid path must come back from them unchanged
        assertThat(new String(path.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(path);
    }

    @Property(tries = 500)
    void validateAgreesWithIsValid(@ForAll("paths") String path) {
        boolean threw;
        try {
            RepoPath.validate(path);
            threw = false;
        } catch (ForgeException e) {
            assertThat(e.kind()).isEqualTo(ErrorKind.BAD_REQUEST);
            threw = true;
        }
        assertThat(threw).isEqualTo(!RepoPath.isValid(path));
    }
}
