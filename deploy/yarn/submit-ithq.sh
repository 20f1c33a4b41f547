#!/usr/bin/env bash
# The ITHQ dataset run on a YARN cluster with GPU scheduling (Hadoop 3.1+, yarn.io/gpu enabled in
# resource-types.xml and the NodeManagers' GPU plugin). Spark turns spark.executor.resource.gpu.amount into a
# yarn.io/gpu request; the discovery script tells each executor which GPU YARN gave it.
#
#   RUN_ID=2026-11-27 deploy/yarn/submit-ithq.sh [--conf spark.key=value ...] [--set job_key=value ...]
#
# --conf options go to spark-submit (e.g. volumes for a model on a PVC), --set options to the job (e.g.
# model=/models/vq-diffusion-ithq); the run id is always RUN_ID.
#
# Success is decided from the run summary the driver writes, <output>/runs/<run id>.json ("status": "succeeded",
# started after this submission), read with `hadoop fs -cat`, not from spark-submit's exit code: YARN marks an
# application whose main method ends with System.exit as FAILED even when it exits 0. Exit code: 0 the run
# succeeded, 1 otherwise (the driver log says why: yarn logs -applicationId <id>).
#
# libtorch (CUDA build, see deploy/docker/Dockerfile for the archive) must be installed on every GPU node at
# LIBTORCH_DIR with DJL's JNI beside it as <djl version>-libdjl_torch.so, or executors must run in the vqgen
# image through YARN's Docker runtime (set DOCKER_IMAGE). S3 credentials: instance profile / IAM role, or a
# Hadoop credential provider (hadoop.security.credential.provider.path=jceks://hdfs/...), never a file in git.
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
: "${HADOOP_CMD:=hadoop}"

fail() {
  echo "yarn/submit-ithq.sh: $*" >&2
  exit 1
}

extra_conf=()
extra_set=()
while (($#)); do
  [[ ($1 == --conf || $1 == --set) && $# -ge 2 ]] \
    || fail "unexpected argument '$1' (expected --conf spark.key=value or --set job_key=value)"
  if [[ $1 == --conf ]]; then extra_conf+=(--conf "$2"); else extra_set+=(--set "$2"); fi
  shift 2
done

# The job file's output root (a .properties value, key=value or key: value), unless OUTPUT is set.
output_root() {
  sed -n 's/^[[:space:]]*output[[:space:]]*[=:][[:space:]]*//p' "$JOB_FILE" | tail -n 1 | sed 's/[[:space:]]*$//; s:/*$::'
}

# A top-level string field of the run summary (Jackson's indented JSON: one "key" : "value" per line).
summary_field() {
  sed -n "s/^  \"$1\" : \"\\(.*\\)\",\$/\\1/p" <<<"$2"
}

[[ -f "$JOB_FILE" ]] || fail "no job file at $JOB_FILE"
[[ -f "$APP_JAR" ]] || fail "no application jar at $APP_JAR (mvn -B -Pcluster,gpu package)"
command -v "$HADOOP_CMD" >/dev/null 2>&1 || fail "$HADOOP_CMD not found: it reads the run summary (set HADOOP_CMD)"
for setting in "${extra_set[@]}"; do
  [[ $setting == output=* ]] && OUTPUT=${OUTPUT:-${setting#output=}}
done
OUTPUT=${OUTPUT:-$(output_root)}
[[ -n "$OUTPUT" ]] || fail "no output= in $JOB_FILE (or set OUTPUT)"

libtorch_env=(
  --conf "spark.executorEnv.PYTORCH_LIBRARY_PATH=$LIBTORCH_DIR"
  --conf spark.executorEnv.PYTORCH_VERSION=2.7.1
  --conf spark.executorEnv.PYTORCH_FLAVOR=cu128
  --conf spark.executorEnv.DJL_OFFLINE=true
  --conf spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID
)
if [[ -n "$DOCKER_IMAGE" ]]; then
  libtorch_env+=(
    --conf spark.executorEnv.YARN_CONTAINER_RUNTIME_TYPE=docker
    --conf "spark.executorEnv.YARN_CONTAINER_RUNTIME_DOCKER_IMAGE=$DOCKER_IMAGE"
  )
fi

# --files ships the discovery script and the job file into every container's working directory; the job file
# is then named by its base name. Spark settings, the event log and S3A come from conf/spark-defaults.conf.
submitted=$(date -u +%Y-%m-%dT%H:%M:%S)
submit_code=0
"$SPARK_HOME/bin/spark-submit" \
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
  "${extra_conf[@]}" \
  "$APP_JAR" "$(basename "$JOB_FILE")" "${extra_set[@]}" --set "run_id=$RUN_ID" || submit_code=$?

summary_uri=$OUTPUT/runs/$RUN_ID.json
summary=$("$HADOOP_CMD" fs -cat "$summary_uri" 2>/dev/null) || summary=""
status=$(summary_field status "$summary")
started=$(summary_field started "$summary")
if [[ -z "$summary" ]]; then
  fail "run $RUN_ID wrote no summary at $summary_uri (spark-submit exit $submit_code): it stopped before generating, see the driver log"
elif [[ "${started:0:19}" < "$submitted" ]]; then
  fail "$summary_uri is from an earlier run (started $started, submitted $submitted): this submission wrote none, see the driver log"
elif [[ "$status" != succeeded ]]; then
  fail "run $RUN_ID $status: $(summary_field error "$summary") (rerun with RUN_ID=$RUN_ID to resume)"
fi
echo "yarn/submit-ithq.sh: run $RUN_ID succeeded; summary $summary_uri" >&2
