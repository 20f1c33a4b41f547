package io.vqgen.job;

import org.apache.spark.SparkContext;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;

/**
 * The job's Spark accumulators, visible in the Spark UI while it runs. Like all accumulators updated inside a
 * transformation they may over-count when Spark re-runs a task; the run summary's counts come from the
 * committed manifest instead.
 */
record JobMetrics(LongAccumulator imagesOk, LongAccumulator errorRows, DoubleAccumulator generationSeconds)
        implements Serializable {

    static JobMetrics register(SparkContext sc) {
        return new JobMetrics(sc.longAccumulator("vqgen images ok"), sc.longAccumulator("vqgen error rows"),
                sc.doubleAccumulator("vqgen generation seconds"));
    }

    void count(ManifestRecord r) {
        if (r.ok()) {
            imagesOk.add(1);
        } else {
            errorRows.add(1);
        }
    }
}
