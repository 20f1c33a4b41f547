#!/usr/bin/env bash
# Submits the ITHQ dataset run (jobs/ithq-dataset.properties) to Kubernetes in cluster mode and waits for it.
# Runs from the vqgen image (the CronJob does that) or from any machine with Spark 4.2 and kubectl access.
#
#   RUN_ID=2026-11-27 deploy/k8s/submit-ithq.sh
#
# The run id defaults to the schedule date: a pod of a CronJob-created Job derives it from the Job's name
# (which encodes the scheduled minute), so a retried pod resumes the same run; otherwise today's UTC date.
# S3 credentials come from the Secret named by S3_SECRET (keys access-key-id, secret-access-key); they never
# appear on a command line or in a file.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SPARK_HOME:=/opt/spark}"
: "${K8S_MASTER:=k8s://https://kubernetes.default.svc}"
: "${NAMESPACE:=vqgen}"
: "${IMAGE:=registry.example.com/vqgen/vqgen:0.1.0-cu128}"
: "${SERVICE_ACCOUNT:=spark}"
: "${EXECUTORS:=8}"
: "${S3_SECRET:=vqgen-s3}"
: "${JOB_FILE:=/opt/vqgen/jobs/ithq-dataset.properties}"    # path inside the image (the driver reads it)
: "${MAIN_CLASS:=io.vqgen.job.GenerateJob}"
: "${APP_JAR:=local:///opt/spark/jars/vqgen-cluster-gpu.jar}"
# Pod templates and defaults: the image's copies, else the repository's (run from a checkout).
if [[ -d /opt/vqgen/k8s ]]; then templates=/opt/vqgen/k8s; else templates=$here; fi
if [[ -f "$SPARK_HOME/conf/spark-defaults.conf" && -d /opt/vqgen ]]; then
  defaults=$SPARK_HOME/conf/spark-defaults.conf
else
  defaults=$here/../../conf/spark-defaults.conf
fi

schedule_date() {
  # CronJob names its Jobs <cronjob>-<scheduled time in minutes since the epoch>; JOB_NAME comes from the pod's
  # job-name label (downward API, see cronjob-ithq-daily.yaml).
  local name=${JOB_NAME:-}
  local minutes=${name##*-}
  if [[ "$minutes" =~ ^[0-9]{8,}$ ]]; then
    date -u -d "@$((minutes * 60))" +%F
  else
    date -u +%F
  fi
}
RUN_ID=${RUN_ID:-${RUN_DATE:-$(schedule_date)}}

exec "$SPARK_HOME/bin/spark-submit" \
  --master "$K8S_MASTER" \
  --deploy-mode cluster \
  --name "vqgen-ithq-$RUN_ID" \
  --class "$MAIN_CLASS" \
  --properties-file "$defaults" \
  --conf spark.executor.instances="$EXECUTORS" \
  --conf spark.kubernetes.namespace="$NAMESPACE" \
  --conf spark.kubernetes.container.image="$IMAGE" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName="$SERVICE_ACCOUNT" \
  --conf spark.kubernetes.driver.podTemplateFile="$templates/driver-pod-template.yaml" \
  --conf spark.kubernetes.executor.podTemplateFile="$templates/executor-pod-template.yaml" \
  --conf spark.executor.resource.gpu.vendor=nvidia.com \
  --conf spark.kubernetes.driver.secretKeyRef.AWS_ACCESS_KEY_ID="$S3_SECRET:access-key-id" \
  --conf spark.kubernetes.driver.secretKeyRef.AWS_SECRET_ACCESS_KEY="$S3_SECRET:secret-access-key" \
  --conf spark.kubernetes.executor.secretKeyRef.AWS_ACCESS_KEY_ID="$S3_SECRET:access-key-id" \
  --conf spark.kubernetes.executor.secretKeyRef.AWS_SECRET_ACCESS_KEY="$S3_SECRET:secret-access-key" \
  --conf spark.kubernetes.submission.waitAppCompletion=true \
  "$APP_JAR" "$JOB_FILE" --set "run_id=$RUN_ID"
