package dev.forge.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RepoIdTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "alice/model", "a/b", "A/B", "Org_1/my-model.v2", "u/x.y.z", "u/x_y", "u/_x", "u/x_", "u/1", "0/0",
            "u/a-b-c", "u/a.b-c_d", "u/gitlike", "u/x.gi", "u/git", "x/api",  // reserved words are only reserved as namespaces
            "u/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 96 */})
    void validIds(String id) {
        RepoId r = RepoId.parse(id);
        assertThat(r.toString()).isEqualTo(id);
        assertThat(r.namespace() + "/" + r.name()).isEqualTo(id);
        assertThat(RepoId.parse(r.toString())).isEqualTo(r);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {
            "", "/", "model", "a/b/c", "/b", "a/", "//", "a//b",
            "-a/b", "a-/b", ".a/b", "a./b", "a/-b", "a/b-", "a/.b", "a/b.",
            "a--b/c", "a/b--c", "a..b/c", "a/b..c", "a/..", "a/.", "../b",
            "a/b.git", "a.git/b",
            "a b/c", "a/b c", "a/b\u0000", "a/b\n", "a\\b/c", "a/ü", "a/模型", "a/b#c", "a/b?c", "a/b%20c", "a/b+c",
            "api/x", "API/x", "user/model", "Users/x", "Models/x", "datasets/x", "lfs/x", "git/x", "spaces/x",
            "u/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 97 */})
    void invalidIdsAreBadRequests(String id) {
        assertThatThrownBy(() -> RepoId.parse(id))
                .isInstanceOfSatisfying(ForgeException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.BAD_REQUEST));
    }

    @Test
    void constructorValidatesBothParts() {
        assertThat(new RepoId("ns", "name").toString()).isEqualTo("ns/name");
        assertThatThrownBy(() -> new RepoId("ns", "a/b")).isInstanceOf(ForgeException.class);
        assertThatThrownBy(() -> new RepoId(null, "b")).isInstanceOf(ForgeException.class);
        assertThatThrownBy(() -> new RepoId("a", null)).isInstanceOf(ForgeException.class);
        assertThatThrownBy(() -> new RepoId("settings", "b")).isInstanceOf(ForgeException.class);
    }

    @Test
    void errorMessagesQuoteHostileInput() {
        assertThatThrownBy(() -> RepoId.parse("a/b\u0000\n"))
                .hasMessageContaining("\\x00\\x0a")
                .hasMessageNotContaining("\u0000");
    }

    @Test
    void isValidPartMatchesTheConstructor() {
        assertThat(RepoId.isValidPart("ok-name")).isTrue();
        assertThat(RepoId.isValidPart("")).isFalse();
        assertThat(RepoId.isValidPart(null)).isFalse();
        assertThat(RepoId.isValidPart("x".repeat(96))).isTrue();
        assertThat(RepoId.isValidPart("x".repeat(97))).isFalse();
    }
}
