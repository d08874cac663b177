package dev.forge.service.account;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordsTest {

    @Test
    void hashesAreSaltedArgon2idPhcStringsThatVerifyOnlyTheirPassword() {
        String a = Passwords.hash("correct horse battery");
        String b = Passwords.hash("correct horse battery");
        assertThat(a).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").isNotEqualTo(b);
        assertThat(Passwords.verify("correct horse battery", a)).isTrue();
        assertThat(Passwords.verify("correct horse battery", b)).isTrue();
        assertThat(Passwords.verify("correct horse batterY", a)).isFalse();
        assertThat(Passwords.verify("", a)).isFalse();
    }

    @Test
    void malformedOrTamperedHashesNeverVerifyNorThrow() {
        String good = Passwords.hash("pw-pw-pw-pw");
        for (String bad : new String[] {null, "", "plain", "$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA",
                good.replace("v=19", "v=16"), good.replace("m=19456", "m=999999999"), good.replace("t=2", "t=0"),
                good.replace("p=1", "p=99"), good.replace("m=19456", "x=19456"), good.substring(0, good.lastIndexOf('$')) + "$!!!",
                good.substring(0, good.lastIndexOf('$')) + "$AAAA", good + "$extra"}) {
            assertThat(Passwords.verify("pw-pw-pw-pw", bad)).as("%s", bad).isFalse();
        }
        assertThat(Passwords.verify("x".repeat(Passwords.MAX_LENGTH + 1), good)).isFalse();
    }

    @Test
    void theParametersStoredInTheHashAreTheOnesUsed() {
        String good = Passwords.hash("pw-pw-pw-pw");
        // the same salt and output under another cost no longer match: verification reads the cost from the hash
        assertThat(Passwords.verify("pw-pw-pw-pw", good.replace("t=2", "t=3"))).isFalse();
    }
}
