package org.synthray.agent.diffusion;

/**
 * One weight tensor of the model as the graph declares it: name, shape and how a fresh model
 * initialises it. The order in which the graph declares them is the order of the model's
 * {@link org.synthray.tensor.Weights}.
 *
 * @param init  {@code normal} (std given), {@code zeros} or {@code ones}
 * @param std   standard deviation for {@code normal}
 */
public record ParamSpec(String name, int[] shape, String init, double std) {

    public long size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
