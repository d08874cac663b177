package dev.forge.storage;

/**
 * Prints which BLAKE3 {@link XetHash} chose in this JVM, whether chunk hashes use the vector code yet, and the chunk
 * hash of {@link #data()}; run by a test.
 */
final class XetHashProbe {
    private XetHashProbe() {}

    static byte[] data() {
        byte[] data = new byte[100_000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + (i >> 8));
        return data;
    }

    public static void main(String[] args) {
        byte[] data = data();
        System.out.println(XetHash.BLAKE3 + " " + XetHash.vectorInUse() + " " + XetHash.hex(XetHash.chunk(data, 0, data.length)));
    }
}
