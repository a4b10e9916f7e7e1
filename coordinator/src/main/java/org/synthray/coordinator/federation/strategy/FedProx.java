package org.synthray.coordinator.federation.strategy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.synthray.flower.Keys;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;

/**
 * FedProx (Li et al. 2020): FedAvg aggregation, with the proximal coefficient μ sent to every site in
 * the fit config as {@code proximal_mu} (a float). The site adds {@code μ/2 · ‖w − w_global‖²} to its
 * local loss, which keeps heterogeneous sites from drifting far from the global model; μ = 0 is FedAvg.
 */
public class FedProx extends FedAvg {
    /** The fit-config key the site agent reads. */
    public static final String PROXIMAL_MU = Keys.PROXIMAL_MU;

    private final double proximalMu;

    public FedProx(StrategyContext context, double proximalMu) {
        super(context);
        if (!(proximalMu >= 0) || Double.isInfinite(proximalMu)) {
            throw new IllegalArgumentException("proximal_mu must be a finite number >= 0, got " + proximalMu);
        }
        this.proximalMu = proximalMu;
    }

    @Override
    public String name() {
        return "fedprox";
    }

    public double proximalMu() {
        return proximalMu;
    }

    @Override
    protected Map<String, Scalar> fitConfig(int round) {
        Map<String, Scalar> config = new LinkedHashMap<>(super.fitConfig(round));
        config.put(PROXIMAL_MU, Scalars.of(proximalMu));
        return config;
    }
}
