package org.synthray.flower;

/**
 * The keys SynthRay uses in Flower's config and metrics maps: what the coordinator puts into
 * {@code FitIns}/{@code EvaluateIns} configs and what site trainers report in {@code FitRes}/
 * {@code EvaluateRes} metrics. Both sides read these constants, so a key is spelled once.
 */
public final class Keys {
    // ------------------------------------------------------------------ config (coordinator → site)

    /** The round being trained, 1-based (as Flower's own strategies send it). */
    public static final String SERVER_ROUND = "server_round";
    /** The run's model config name ({@code models/<name>}), so a site builds the matching model. */
    public static final String MODEL_CONFIG = "model_config";
    /** Learning rate for local training. */
    public static final String LR = "lr";
    /** Local epochs per round. */
    public static final String LOCAL_EPOCHS = "local_epochs";
    /** Local optimiser steps per round; overrides epochs when set. */
    public static final String LOCAL_STEPS = "local_steps";
    /** Batch size for local training. */
    public static final String BATCH_SIZE = "batch_size";
    /** FedProx's proximal term weight μ (also the strategy's parameter name in a run spec). */
    public static final String PROXIMAL_MU = "proximal_mu";
    /** Seed for local randomness. */
    public static final String SEED = "seed";

    // ------------------------------------------------------------------- metrics (site → coordinator)

    /** Mean training loss of the round's local steps. */
    public static final String TRAIN_LOSS = "train_loss";
    /** Training throughput. */
    public static final String IMAGES_PER_S = "images_per_s";
    /** Local optimiser steps taken. */
    public static final String STEPS = "steps";
    /** Root-mean-square change per weight of a site's update (diffusion training). */
    public static final String UPDATE_RMS = "update_rms";
    /**
     * {@link #UPDATE_RMS} divided by learning rate × steps: Adam moves a weight by at most about 3.2 × lr per
     * step, so a larger ratio is movement the site's local training cannot explain.
     */
    public static final String UPDATE_RMS_PER_LR_STEP = "update_rms_per_lr_step";
    /** Validation accuracy (the finding probe). */
    public static final String ACCURACY = "accuracy";

    private Keys() {
    }
}
