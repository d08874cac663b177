package dev.forge.cards;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian reads from the start of a file, never past {@code limit} bytes: every read first checks
 * that it stays inside the limit, so a hostile length fails at once instead of being followed. Skips of
 * large regions move the position without reading. Not thread-safe.
 */
final class HeaderReader {
    private static final int BUFFER = 64 * 1024;

    private final SeekableByteChannel channel;
    private final long limit;
    private final ByteBuffer buffer;
    /** File position of {@code buffer}'s first byte. */
    private long bufferStart;

    HeaderReader(SeekableByteChannel channel, long limit) {
        this.channel = channel;
        this.limit = limit;
        // no larger than what may be read: a small (or hostile, tiny) file costs a small buffer
        this.buffer = ByteBuffer.allocate((int) Math.max(16, Math.min(BUFFER, limit))).order(ByteOrder.LITTLE_ENDIAN);
        buffer.limit(0);
    }

    long position() { return bufferStart + buffer.position(); }

    long limit() { return limit; }

    long remaining() { return limit - position(); }

    void require(long n, String what) throws InvalidHeaderException {
        if (n < 0 || n > remaining()) {
            throw new InvalidHeaderException(what + " needs " + n + " bytes at offset " + position() + ", beyond the header limit of " + limit + " bytes");
        }
    }

    private void fill(int n, String what) throws IOException, InvalidHeaderException {
        require(n, what);
        if (buffer.remaining() >= n) return;
        long pos = position();
        buffer.clear();
        channel.position(pos);
        bufferStart = pos;
        int want = (int) Math.min(BUFFER, limit - pos);
        buffer.limit(want);
        while (buffer.position() < n) {
            if (channel.read(buffer) < 0) throw new InvalidHeaderException("The file ends inside its header (" + what + ")");
        }
        buffer.flip();
    }

    int u8(String what) throws IOException, InvalidHeaderException {
        fill(1, what);
        return buffer.get() & 0xff;
    }

    long u32(String what) throws IOException, InvalidHeaderException {
        fill(4, what);
        return buffer.getInt() & 0xffffffffL;
    }

    long u64(String what) throws IOException, InvalidHeaderException {
        fill(8, what);
        long v = buffer.getLong();
        if (v < 0) throw new InvalidHeaderException(what + " is larger than 2^63");
        return v;
    }

    long i64(String what) throws IOException, InvalidHeaderException {
        fill(8, what);
        return buffer.getLong();
    }

    double f32(String what) throws IOException, InvalidHeaderException {
        fill(4, what);
        return buffer.getFloat();
    }

    double f64(String what) throws IOException, InvalidHeaderException {
        fill(8, what);
        return buffer.getDouble();
    }

    /** {@code n} bytes as strict UTF-8. */
    String utf8(long n, String what) throws IOException, InvalidHeaderException {
        require(n, what);
        byte[] out = new byte[(int) n];
        int done = 0;
        while (done < n) {
            fill(1, what);
            int take = Math.min(buffer.remaining(), out.length - done);
            buffer.get(out, done, take);
            done += take;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidHeaderException(what + " is not valid UTF-8");
        }
    }

    /** Moves forward {@code n} bytes without reading them. */
    void skip(long n, String what) throws InvalidHeaderException {
        require(n, what);
        if (n <= buffer.remaining()) {
            buffer.position(buffer.position() + (int) n);
        } else {
            bufferStart = position() + n;
            buffer.clear().limit(0);
        }
    }

    void seek(long pos) {
        bufferStart = pos;
        buffer.clear().limit(0);
    }
}
