package dev.forge.service.demo;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A named float tensor of a generated model, in row-major order with the shape PyTorch gives it (GGUF lists
 * the dimensions the other way round; {@link GgufWriter} reverses them). Immutable by convention: the values
 * array is never changed after construction.
 */
record Tensor(String name, long[] shape, float[] values) {
    Tensor {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != values.length) throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + n + " values, not " + values.length);
    }

    /** Gaussian values of standard deviation {@code std} drawn from {@code random}. */
    static Tensor normal(String name, SplittableRandom random, double std, long... shape) {
        float[] v = new float[count(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (gaussian(random) * std);
        return new Tensor(name, shape, v);
    }

    static Tensor filled(String name, float value, long... shape) {
        float[] v = new float[count(shape)];
        Arrays.fill(v, value);
        return new Tensor(name, shape, v);
    }

    long elements() { return values.length; }

    private static int count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return Math.toIntExact(n);
    }

    /** Box-Muller on the splittable generator, so the weights depend on the seed alone (no global state). */
    static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
    }
}
