package dev.forge.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * How one stored file is put together: its size, its Xet file id, and its bytes as runs of consecutive chunks of
 * packs, in file order. Encoded little-endian with a CRC32C at the end so a torn or damaged manifest is noticed.
 * Format 2 ({@code FGGFIL02}) records each run's stored length next to its length; format 1 (no stored length:
 * every chunk uncompressed) is still read.
 */
record FileManifest(long size, byte[] xetHash, List<Run> runs) {
    private static final long MAGIC_V1 = 0x31304c4946474746L; // "FGGFIL01"
    private static final long MAGIC = 0x32304c4946474746L; // "FGGFIL02"
    private static final int RUN_V1 = XetHash.LENGTH + 4 + 4 + 8 + 8;
    private static final int RUN = RUN_V1 + 8;

    /**
     * Chunks {@code [first, first + count)} of {@code pack}: {@code length} bytes of the file, stored in
     * {@code stored} bytes at {@code offset} of the pack's data. {@code stored == length} exactly when every chunk
     * of the run is uncompressed (a compressed chunk is kept only when it is smaller), so the run's bytes are the
     * file's bytes and a read is a plain read of the pack.
     */
    record Run(byte[] pack, int first, int count, long offset, long length, long stored) {
        /** A run of uncompressed chunks. */
        Run(byte[] pack, int first, int count, long offset, long length) {
            this(pack, first, count, offset, length, length);
        }

        boolean compressed() { return stored != length; }
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(8 + 8 + XetHash.LENGTH + 4 + runs.size() * RUN + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(MAGIC).putLong(size).put(xetHash).putInt(runs.size());
        for (Run r : runs) {
            b.put(r.pack()).putInt(r.first()).putInt(r.count()).putLong(r.offset()).putLong(r.length()).putLong(r.stored());
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    static FileManifest decode(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            long magic = b.getLong();
            if (magic != MAGIC && magic != MAGIC_V1) throw new IOException("not a file manifest");
            int runLength = magic == MAGIC ? RUN : RUN_V1;
            long size = b.getLong();
            byte[] xet = new byte[XetHash.LENGTH];
            b.get(xet);
            int n = b.getInt();
            if (n < 0 || bytes.length != 8 + 8 + XetHash.LENGTH + 4 + (long) n * runLength + 4) throw new IOException("file manifest has a bad length");
            List<Run> runs = new ArrayList<>(n);
            long total = 0;
            for (int i = 0; i < n; i++) {
                byte[] pack = new byte[XetHash.LENGTH];
                b.get(pack);
                int first = b.getInt();
                int count = b.getInt();
                long offset = b.getLong();
                long length = b.getLong();
                Run r = new Run(pack, first, count, offset, length, runLength == RUN ? b.getLong() : length);
                if (r.first() < 0 || r.count() <= 0 || r.offset() < 0 || r.length() <= 0 || r.stored() <= 0) {
                    throw new IOException("file manifest has a bad run");
                }
                total += r.length();
                runs.add(r);
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, b.position());
            if (b.getInt() != (int) crc.getValue()) throw new IOException("file manifest fails its checksum");
            if (total != size) throw new IOException("file manifest runs do not add up to its size");
            return new FileManifest(size, xet, List.copyOf(runs));
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException("file manifest is truncated", e);
        }
    }
}
