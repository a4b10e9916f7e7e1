package org.synthray.agent.diffusion;

/**
 * Floating-point operations of one image's forward pass, summed while the graph is built from the
 * shapes of the layers: a multiply-add counts 2. Only convolutions, matrix products and attention
 * are counted (they are &gt; 95% of the work); norms and activations are left out.
 */
public final class FlopCounter {
    private double flops;

    public void add(double f) {
        flops += f;
    }

    public double total() {
        return flops;
    }
}
