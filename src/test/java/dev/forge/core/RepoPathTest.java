package dev.forge.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RepoPathTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "a", "README.md", "a/b/c.txt", "config.json", "model.safetensors",
            "dir with space/file #1.txt", "#", "a#b/#c", " leading space", "trailing space ", "100%.txt", "a?b", "a*b",
            "日本語/ファイル.bin", "données/été.csv", "emoji/\uD83D\uDE00.txt", "\u00e9",
            ".gitattributes", "a/.gitignore", ".github/workflows/ci.yml", "x.git", "a/.git2", "a/_.git_/b",
            "...", "..a", "a..", "a..b", ".a", "a./b", "a/.../b",
            "-", "a/-/b", "a:b", "a|b", "a;b", "~/x"})
    void validPaths(String path) {
        assertThat(RepoPath.isValid(path)).isTrue();
        assertThat(RepoPath.validate(path)).isSameAs(path);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {
            "", "/", "/a", "//a", "a/", "a//b", "a/b/",
            ".", "..", "./a", "../a", "a/.", "a/..", "a/./b", "a/../b", "a/b/..",
            ".git", ".GIT", ".Git", ".git/config", "a/.git", "a/.gIt/b", "a/.git/",
            "a\\b", "\\", "a/..\\b", "..\\a",
            "a\u0000b", "\u0000", "a\nb", "a\rb", "a\tb", "\u001f", "a\u007fb", "a/b\u001b[31m",
            "a\uD800", "\uDC00b", "a/\uDE00\uD83D.txt", "\uD83D"})                // unpaired surrogates: git would store '?'
    void invalidPathsAreBadRequests(String path) {
        assertThat(RepoPath.isValid(path)).isFalse();
        assertThatThrownBy(() -> RepoPath.validate(path))
                .isInstanceOfSatisfying(ForgeException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.BAD_REQUEST));
    }

    @Test
    void lengthIsCountedInUtf8Bytes() {
        assertThat(RepoPath.isValid("a".repeat(RepoPath.MAX_LENGTH))).isTrue();
        assertThat(RepoPath.isValid("a".repeat(RepoPath.MAX_LENGTH + 1))).isFalse();
        assertThat(RepoPath.isValid("a/".repeat(2047) + "ab")).isTrue();           // 4096 bytes with separators
        assertThat(RepoPath.isValid("é".repeat(2048))).isTrue();                   // 2048 chars, 4096 bytes
        assertThat(RepoPath.isValid("é".repeat(2049))).isFalse();                  // 2049 chars, 4098 bytes
        assertThat(RepoPath.isValid("\uD83D\uDE00".repeat(1024))).isTrue();        // 4 bytes each
        assertThat(RepoPath.isValid("\uD83D\uDE00".repeat(1024) + "a")).isFalse();
    }

    @Test
    void errorMessagesNameTheProblemAndQuoteTheInput() {
        assertThatThrownBy(() -> RepoPath.validate("a/../b")).hasMessageContaining("'..'");
        assertThatThrownBy(() -> RepoPath.validate("a\u0000b")).hasMessageContaining("\\x00").hasMessageNotContaining("\u0000");
        assertThatThrownBy(() -> RepoPath.validate("x".repeat(5000))).message().hasSizeLessThan(400);
    }
}
