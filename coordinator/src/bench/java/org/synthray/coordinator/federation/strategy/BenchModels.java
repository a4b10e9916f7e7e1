package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Float32 models for the aggregation benchmarks: {@code modelMb} MiB in tensors of {@code tensorMb} MiB
 * (a real model is many tensors, none near the whole model). Updates share a few distinct buffers:
 * at hundreds of MB every pass streams from memory anyway, and it keeps the benchmark's own footprint
 * small. Direct buffers keep the updates off the heap, so heap measurements see the aggregator only.
 */
final class BenchModels {
    private BenchModels() {
    }

    static Weights model(int modelMb, int tensorMb, boolean direct, long seed) {
        long total = (long) modelMb << 20;
        int perTensor = tensorMb << 20;
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Tensor> tensors = new ArrayList<>();
        for (long done = 0; done < total; done += perTensor) {
            int bytes = (int) Math.min(perTensor, total - done);
            ByteBuffer b = (direct ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes))
                    .order(ByteOrder.LITTLE_ENDIAN);
            FloatBuffer f = b.asFloatBuffer();
            for (int j = 0; j < bytes / 4; j++) {
                f.put(j, (float) (rnd.nextDouble() * 0.2 - 0.1));
            }
            tensors.add(new Tensor("t" + tensors.size(), DType.FLOAT32, new int[] {bytes / 4}, b));
        }
        return new Weights(tensors);
    }

    /** {@code sites} updates over {@code distinct} different models. */
    static List<ClientUpdate> updates(int sites, int distinct, int modelMb, int tensorMb, boolean direct) {
        List<Weights> models = new ArrayList<>();
        for (int d = 0; d < distinct; d++) {
            models.add(model(modelMb, tensorMb, direct, 1000 + d));
        }
        List<ClientUpdate> out = new ArrayList<>();
        for (int k = 0; k < sites; k++) {
            out.add(new ClientUpdate("site-" + k, models.get(k % distinct), 100 + k, java.util.Map.of()));
        }
        return out;
    }
}
