package dev.forge.service.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the demo models know: for every token, the token that most often follows it in the demo corpus (its
 * successor), and one unit direction per token in the embedding space. A model whose input embedding of token
 * {@code x} is the direction of {@code successor(x)} and whose output head is the table of directions gives
 * {@code successor(x)} the highest logit after {@code x}, whatever the other directions are (distinct unit vectors
 * meet their own direction at cosine 1 and any other below it): a bigram language model that greedy decoding
 * follows exactly, in float32, float16 and 8- or 4-bit quantization alike. The directions have mean zero, so
 * LayerNorm and RMSNorm only rescale them. Immutable.
 */
final class BigramTable {
    private final int[] successor;
    private final float[][] directions;

    private BigramTable(int[] successor, float[][] directions) {
        this.successor = successor;
        this.directions = directions;
    }

    /**
     * Counts the token pairs of {@code corpus} under {@code bpe}; the most frequent follower wins, ties to the lower
     * id. Tokens never followed by anything (including the special tokens past the BPE vocabulary) lead to the most
     * frequent token of the corpus.
     */
    static BigramTable learn(ByteLevelBpe bpe, String corpus, int vocabSize, int dim, long seed) {
        List<Integer> ids = bpe.encode(corpus);
        int[][] pairs = new int[vocabSize][];
        int[] frequency = new int[vocabSize];
        for (int i = 0; i < ids.size(); i++) {
            int a = ids.get(i);
            frequency[a]++;
            if (i + 1 == ids.size()) break;
            if (pairs[a] == null) pairs[a] = new int[vocabSize];
            pairs[a][ids.get(i + 1)]++;
        }
        int common = argmax(frequency);
        int[] successor = new int[vocabSize];
        for (int a = 0; a < vocabSize; a++) successor[a] = pairs[a] == null ? common : argmax(pairs[a]);
        SplittableRandom random = new SplittableRandom(seed);
        float[][] directions = new float[vocabSize][];
        for (int t = 0; t < vocabSize; t++) directions[t] = direction(random, dim);
        return new BigramTable(successor, directions);
    }

    int vocabSize() { return successor.length; }

    int successor(int token) { return successor[token]; }

    /** The tokens greedy decoding produces after {@code prompt}: each the successor of the one before. */
    List<Integer> continuation(List<Integer> prompt, int count) {
        List<Integer> out = new ArrayList<>(count);
        int last = prompt.getLast();
        for (int i = 0; i < count; i++) out.add(last = successor[last]);
        return out;
    }

    /** Input embeddings, {@code [vocab, dim]} row-major: row {@code x} is the direction of {@code successor(x)}. */
    float[] embeddings() {
        int dim = directions[0].length;
        float[] out = new float[successor.length * dim];
        for (int x = 0; x < successor.length; x++) System.arraycopy(directions[successor[x]], 0, out, x * dim, dim);
        return out;
    }

    /** The output head, {@code [vocab, dim]} row-major: row {@code y} is token {@code y}'s direction. */
    float[] head() {
        int dim = directions[0].length;
        float[] out = new float[successor.length * dim];
        for (int y = 0; y < successor.length; y++) System.arraycopy(directions[y], 0, out, y * dim, dim);
        return out;
    }

    private static int argmax(int[] counts) {
        int best = 0;
        for (int i = 1; i < counts.length; i++) if (counts[i] > counts[best]) best = i;
        return best;
    }

    /** A random unit vector with mean zero (Gaussian, centred, normalised). */
    private static float[] direction(SplittableRandom random, int dim) {
        double[] v = new double[dim];
        double mean = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = Tensor.gaussian(random);
            mean += v[i] / dim;
        }
        double norm = 0;
        for (int i = 0; i < dim; i++) {
            v[i] -= mean;
            norm += v[i] * v[i];
        }
        norm = Math.sqrt(norm);
        float[] out = new float[dim];
        for (int i = 0; i < dim; i++) out[i] = (float) (v[i] / norm);
        return out;
    }
}
