#!/usr/bin/env bash
# The ITHQ dataset run on a YARN cluster with GPU scheduling (Hadoop 3.1+, yarn.io/gpu enabled in
# resource-types.xml and the NodeManagers' GPU plugin). Spark turns spark.executor.resource.gpu.amount into a
# yarn.io/gpu request; the discovery script tells each executor which GPU YARN gave it.
#
#   RUN_ID=2026-11-27 deploy/yarn/submit-ithq.sh
#
# libtorch (CUDA build, see deploy/docker/Dockerfile for the archive) must be installed on every GPU node at
# LIBTORCH_DIR with DJL's JNI beside it as <djl version>-libdjl_torch.so, or executors must run in the vqgen
# image through YARN's Docker runtime (set DOCKER_IMAGE). S3 credentials: instance profile / IAM role, or a
# Hadoop credential provider (hadoop.security.credential.provider.path=jceks://hdfs/...), never a file in git.
# conf/spark-defaults.conf selects the S3A magic committer through spark-hadoop-cloud: if the cluster's Spark
# lacks that module, add --packages org.apache.spark:spark-hadoop-cloud_2.13:4.2.0 (or its jar via --jars).
# A failed driver attempt is retried by YARN (spark.yarn.maxAppAttempts, default 2): with the same run id it
# resumes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${SPARK_HOME:?set SPARK_HOME to a Spark 4.2 installation}"
: "${RUN_ID:=$(date -u +%F)}"
: "${EXECUTORS:=8}"
: "${QUEUE:=default}"
: "${LIBTORCH_DIR:=/opt/libtorch/lib}"
: "${DOCKER_IMAGE:=}"
: "${APP_JAR:=$repo/target/vqgen-cluster-gpu.jar}"
: "${JOB_FILE:=$repo/jobs/ithq-dataset.properties}"
: "${MAIN_CLASS:=io.vqgen.job.GenerateJob}"

libtorch_env=(
  --conf "spark.executorEnv.PYTORCH_LIBRARY_PATH=$LIBTORCH_DIR"
  --conf spark.executorEnv.PYTORCH_VERSION=2.7.1
  --conf spark.executorEnv.PYTORCH_FLAVOR=cu128
  --conf spark.executorEnv.DJL_OFFLINE=true
)
if [[ -n "$DOCKER_IMAGE" ]]; then
  libtorch_env+=(
    --conf spark.executorEnv.YARN_CONTAINER_RUNTIME_TYPE=docker
    --conf "spark.executorEnv.YARN_CONTAINER_RUNTIME_DOCKER_IMAGE=$DOCKER_IMAGE"
  )
fi

# --files ships the discovery script and the job file into every container's working directory; the
# job file is then named by its base name. The event log and S3A settings come from conf/spark-defaults.conf.
exec "$SPARK_HOME/bin/spark-submit" \
  --master yarn \
  --deploy-mode cluster \
  --queue "$QUEUE" \
  --name "vqgen-ithq-$RUN_ID" \
  --class "$MAIN_CLASS" \
  --properties-file "$repo/conf/spark-defaults.conf" \
  --num-executors "$EXECUTORS" \
  --files "$repo/deploy/docker/getGpusResources.sh,$JOB_FILE" \
  --conf spark.executor.resource.gpu.discoveryScript=./getGpusResources.sh \
  "${libtorch_env[@]}" \
  "$APP_JAR" "$(basename "$JOB_FILE")" --set "run_id=$RUN_ID"
