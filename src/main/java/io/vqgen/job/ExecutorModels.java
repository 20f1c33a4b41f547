package io.vqgen.job;

import io.vqgen.weights.ModelCache;
import io.vqgen.weights.ModelLocation;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.util.Utils;

import java.nio.file.Path;

/**
 * Where an executor finds the job's model: a local folder as it is; a remote one ({@code s3a://}, {@code hdfs://})
 * copied into this host's {@link ModelCache}: {@code model_cache_dir} when set, else {@code vqgen-models} under
 * Spark's local directory (the executor's scratch space, which lives as long as the application).
 */
final class ExecutorModels {
    private ExecutorModels() {
    }

    static Path localFolder(JobConfig config, Configuration hadoopConf) {
        ModelLocation location = ModelLocation.parse(config.model());
        if (!location.isRemote()) {
            return location.local();
        }
        return new ModelCache(cacheRoot(config)).localCopy(location.files(hadoopConf));
    }

    static Path cacheRoot(JobConfig config) {
        if (!config.modelCacheDir().isEmpty()) {
            return Path.of(config.modelCacheDir());
        }
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            throw new JobException("model_cache_dir: not set, and there is no Spark environment to take a local "
                    + "directory from");
        }
        return Path.of(Utils.getLocalDir(env.conf()), "vqgen-models");
    }
}
