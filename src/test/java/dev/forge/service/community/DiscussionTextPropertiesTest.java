package dev.forge.service.community;

import dev.forge.core.ErrorKind;
import dev.forge.core.ForgeException;
import dev.forge.service.repo.PullRequestGate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What discussions accept from outside, for any input: titles and comments are either kept exactly (a title stripped)
 * or refused with a 400, never another failure; what is kept holds no control character but tab and line breaks
 * (none in titles) and no unpaired surrogate. {@code refs/pr/N} numbers parse back exactly and nothing else parses.
 */
class DiscussionTextPropertiesTest {

    @Provide
    Arbitrary<String> anyText() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(300),
                Arbitraries.strings().withCharRange('\u0000', '\u007f').ofMaxLength(300),
                Arbitraries.strings().withChars('a', ' ', '\n', '\t', '\u0000', '\u0085', '\ud800', '\udc00', '<', '*').ofMaxLength(80));
    }

    @Property
    void aTitleIsKeptStrippedOrRefusedWithABadRequest(@ForAll("anyText") String raw) {
        try {
            String title = DiscussionText.title(raw);
            assertThat(title).isEqualTo(raw.strip());
            assertThat(title.codePointCount(0, title.length())).isBetween(DiscussionText.MIN_TITLE, DiscussionText.MAX_TITLE);
            assertWellFormed(title, false);
        } catch (ForgeException e) {
            assertThat(e.kind()).isEqualTo(ErrorKind.BAD_REQUEST);
        }
    }

    @Property
    void aCommentIsKeptExactlyOrRefusedWithABadRequest(@ForAll("anyText") String raw) {
        try {
            String comment = DiscussionText.comment(raw);
            assertThat(comment).isEqualTo(raw).isNotBlank();
            assertWellFormed(comment, true);
        } catch (ForgeException e) {
            assertThat(e.kind()).isEqualTo(ErrorKind.BAD_REQUEST);
        }
    }

    @Property
    void textFromACommitIsNeverRefusedAndIsWhatATitleOrCommentMayHold(@ForAll("anyText") String text) {
        String title = DiscussionText.titleFromCommit(text);
        assertThat(title.codePointCount(0, title.length())).isLessThanOrEqualTo(DiscussionText.MAX_TITLE);
        assertWellFormed(title, false);
        String description = DiscussionText.descriptionFromCommit(text);
        assertThat(description.length()).isLessThanOrEqualTo(DiscussionText.MAX_COMMENT);
        assertWellFormed(description, true);
        assertThat(DiscussionText.description(description)).isEqualTo(description);
    }

    @Property
    void commentsPastTheLimitAreRefused(@ForAll @IntRange(min = 1, max = 64) int extra) {
        assertThatThrownBy(() -> DiscussionText.comment("x".repeat(DiscussionText.MAX_COMMENT + extra)))
                .isInstanceOfSatisfying(ForgeException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.BAD_REQUEST));
        assertThat(DiscussionText.comment("x".repeat(DiscussionText.MAX_COMMENT))).hasSize(DiscussionText.MAX_COMMENT);
    }

    @Property
    void pullRequestNumbersParseBackExactly(@ForAll @IntRange(min = 1, max = 999_999_999) int n) {
        assertThat(PullRequestGate.number("refs/pr/" + n)).contains(n);
        assertThat(PullRequestGate.number("refs/pr/0" + n)).isEmpty();
        assertThat(PullRequestGate.number("refs/pr/" + n + "/x")).isEmpty();
        assertThat(PullRequestGate.number("refs/heads/" + n)).isEmpty();
    }

    @Property
    void nothingElseIsAPullRequestRef(@ForAll("anyText") String tail) {
        Optional<Integer> n = PullRequestGate.number("refs/pr/" + tail);
        assertThat(n.isPresent()).isEqualTo(tail.matches("[1-9][0-9]{0,8}"));
        n.ifPresent(v -> assertThat(Integer.toString(v)).isEqualTo(tail));
    }

    private static void assertWellFormed(String s, boolean lineBreaks) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertThat(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))).as("paired surrogate at %d", i).isTrue();
                i++;
                continue;
            }
            assertThat(Character.isLowSurrogate(c)).as("lone low surrogate at %d", i).isFalse();
            if (Character.isISOControl(c)) assertThat(lineBreaks && (c == '\n' || c == '\r' || c == '\t')).as("control U+%04X", (int) c).isTrue();
        }
    }
}
