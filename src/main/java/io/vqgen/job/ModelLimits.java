package io.vqgen.job;

import java.io.Serializable;

/**
 * What rows are checked against, from the model's configs (read on the driver before any Spark work).
 *
 * @param maxSteps   the scheduler's num_train_timesteps: the most steps a sampler can take
 * @param numClasses for a class-conditional model, the labels it draws (rows give a class label, not a prompt);
 *                   0 for a text-to-image model
 */
record ModelLimits(int maxSteps, int numClasses) implements Serializable {
    boolean classConditional() {
        return numClasses > 0;
    }
}
