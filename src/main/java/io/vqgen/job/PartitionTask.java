package io.vqgen.job;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;

import java.util.Iterator;

/** The function every task runs over its partition of planned rows; all it carries is small and serialisable. */
final class PartitionTask implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final JobConfig config;
    private final ModelLimits limits;
    private final GeneratorFactory factory;
    private final OutputLayout layout;
    private final Broadcast<SerializableConfiguration> hadoopConf;
    private final JobMetrics metrics;
    private final int firstPartition;

    PartitionTask(JobConfig config, ModelLimits limits, GeneratorFactory factory, OutputLayout layout,
                  Broadcast<SerializableConfiguration> hadoopConf, JobMetrics metrics) {
        this(config, limits, factory, layout, hadoopConf, metrics, 0);
    }

    private PartitionTask(JobConfig config, ModelLimits limits, GeneratorFactory factory, OutputLayout layout,
                          Broadcast<SerializableConfiguration> hadoopConf, JobMetrics metrics, int firstPartition) {
        this.config = config;
        this.limits = limits;
        this.factory = factory;
        this.layout = layout;
        this.hadoopConf = hadoopConf;
        this.metrics = metrics;
        this.firstPartition = firstPartition;
    }

    /** The function for one commit: its partitions are numbered from {@code commit × partitions} in shard names. */
    PartitionTask forCommit(int commit, int partitions) {
        return new PartitionTask(config, limits, factory, layout, hadoopConf, metrics, commit * partitions);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new PartitionRun(rows, config, limits, factory, layout, hadoopConf.value().value(), metrics,
                firstPartition);
    }
}
