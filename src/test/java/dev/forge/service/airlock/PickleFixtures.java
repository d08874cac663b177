package dev.forge.service.airlock;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The pickle fixtures of {@code src/test/resources/airlock} (written by {@code make-fixtures.py} there, with Python's
 * own pickle and torch), and a small builder for hand-made opcode streams.
 */
final class PickleFixtures {
    private PickleFixtures() {}

    static byte[] fixture(String name) {
        try (InputStream in = PickleFixtures.class.getResourceAsStream("/airlock/" + name)) {
            if (in == null) throw new IllegalArgumentException("no fixture " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opcode streams by hand: {@code ops().proto(4).str("os").str("system").op(0x93)...} */
    static Ops ops() { return new Ops(); }

    static final class Ops {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Ops op(int... codes) {
            for (int c : codes) out.write(c);
            return this;
        }

        Ops proto(int p) { return op(0x80, p); }

        /** SHORT_BINUNICODE */
        Ops str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op(0x8c, b.length);
            out.writeBytes(b);
            return this;
        }

        /** Raw bytes, e.g. a text opcode's line. */
        Ops raw(String latin1) {
            out.writeBytes(latin1.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        Ops global(String module, String name) { return op('c').raw(module + "\n" + name + "\n"); }

        Ops stop() { return op('.'); }

        byte[] bytes() { return out.toByteArray(); }
    }
}
