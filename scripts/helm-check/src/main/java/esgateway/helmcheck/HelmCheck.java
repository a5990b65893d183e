package esgateway.helmcheck;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import tools.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `npm run chart`: lints helm/es-gateway with real Helm (helm-java), renders the default values and
 * each documented variant (helm/es-gateway/ci/*-values.yaml), reads every manifest strictly with
 * the Kubernetes model (StrictManifests), checks what each variant promises, checks that bad values
 * are refused by values.schema.json, and that the Grafana dashboard names only metrics the README
 * documents. Exit status 1 with every problem listed; run from the repository root.
 */
public final class HelmCheck {
  private static final Pattern METRIC = Pattern.compile("\\b(es_gateway_[a-z0-9_]+)");
  private final Path repo;
  private final Path chart;
  private final List<String> problems = new ArrayList<>();
  private final StrictManifests strict = new StrictManifests();
  private int manifests;

  private HelmCheck(Path repo) {
    this.repo = repo;
    this.chart = repo.resolve("helm/es-gateway");
  }

  public static void main(String[] args) throws Exception {
    HelmCheck check = new HelmCheck(Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize());
    check.run();
    if (!check.problems.isEmpty()) {
      check.problems.forEach(p -> System.err.println("chart: FAILED: " + p));
      System.exit(1);
    }
    System.out.println("chart: every check passed (" + check.manifests + " manifests read strictly)");
  }

  private void run() throws Exception {
    lint();
    selfTest();
    variant("default", null, (m, where) -> {
      Deployment d = only(m, Deployment.class, where);
      expect(none(m, StatefulSet.class) && none(m, HorizontalPodAutoscaler.class), where, "a Deployment and no StatefulSet or HPA");
      expect(Integer.valueOf(2).equals(d.getSpec().getReplicas()), where, "replicas 2");
      podChecks(d.getSpec().getTemplate().getSpec(), 20000, where);
      expect(hasKind(m, "PodDisruptionBudget") && hasKind(m, "Service") && hasKind(m, "Secret"), where, "a PodDisruptionBudget, a Service and the keys Secret");
      expect(!hasKind(m, "ServiceMonitor"), where, "no ServiceMonitor by default");
      dashboard(m, where);
    });
    variant("durable spool", "durable-values.yaml", (m, where) -> {
      StatefulSet s = only(m, StatefulSet.class, where);
      expect(none(m, Deployment.class), where, "no Deployment");
      var claims = s.getSpec().getVolumeClaimTemplates();
      expect(claims.size() == 1 && "spool".equals(claims.get(0).getMetadata().getName())
          && "10Gi".equals(claims.get(0).getSpec().getResources().getRequests().get("storage").toString())
          && "fast-ssd".equals(claims.get(0).getSpec().getStorageClassName()), where, "one 10Gi PVC `spool` of class fast-ssd");
      PodSpec pod = s.getSpec().getTemplate().getSpec();
      expect(pod.getVolumes().stream().noneMatch(v -> v.getName().equals("spool")), where, "the spool from the claim, not an emptyDir");
      expect("durable".equals(env(pod, "GATEWAY_DURABILITY")), where, "GATEWAY_DURABILITY=durable");
      expect(hasKind(m, "Service") && m.stream().anyMatch(x -> x.resource().getMetadata().getName().endsWith("-headless")), where, "the headless Service of the StatefulSet");
      podChecks(pod, 20000, where);
    });
    variant("HPA", "hpa-values.yaml", (m, where) -> {
      HorizontalPodAutoscaler h = only(m, HorizontalPodAutoscaler.class, where);
      Deployment d = only(m, Deployment.class, where);
      expect(h.getSpec().getMinReplicas() == 3 && h.getSpec().getMaxReplicas() == 12
          && "Deployment".equals(h.getSpec().getScaleTargetRef().getKind()) && d.getMetadata().getName().equals(h.getSpec().getScaleTargetRef().getName()), where, "an HPA 3..12 on the Deployment");
      expect(d.getSpec().getReplicas() == null, where, "no fixed replicas under an HPA");
    });
    variant("ServiceMonitor", "servicemonitor-values.yaml", (m, where) -> {
      GenericKubernetesResource sm = only(m, GenericKubernetesResource.class, where);
      serviceMonitor(sm, where);
      expect(m.stream().anyMatch(x -> x.resource() instanceof ConfigMap c && "monitoring".equals(c.getMetadata().getNamespace())), where, "the dashboard ConfigMap in namespace monitoring");
    });
    variant("multi-replica with Redis (README)", "multi-replica-redis-values.yaml", (m, where) -> {
      Deployment d = only(m, Deployment.class, where);
      PodSpec pod = d.getSpec().getTemplate().getSpec();
      expect(Integer.valueOf(3).equals(d.getSpec().getReplicas()), where, "replicas 3");
      expect("redis://redis-master.redis.svc:6379".equals(env(pod, "GATEWAY_RATE_LIMIT_REDIS_URL")), where, "GATEWAY_RATE_LIMIT_REDIS_URL");
      expect("/etc/es-gateway/elasticsearch/password".equals(env(pod, "ES_PASSWORD_FILE")) && "es-gateway".equals(env(pod, "ES_USERNAME")), where, "ES_USERNAME and ES_PASSWORD_FILE");
      expect("/etc/es-gateway/streams/streams.json".equals(env(pod, "GATEWAY_CONFIG_FILE")) && hasName(m, "ConfigMap", "-streams"), where, "the streams ConfigMap as GATEWAY_CONFIG_FILE");
      expect(!hasKind(m, "Secret"), where, "no Secret made: every one is an existing one");
      expect(d.getSpec().getTemplate().getMetadata().getAnnotations().containsKey("checksum/streams"), where, "a streams checksum that rolls the pods");
      podChecks(pod, 20000, where);
    });
    refused("durability.mode=sometimes", Map.of("durability.mode", "sometimes"));
    refused("an unknown value (replicas)", Map.of("replicas", 3));
    refused("elasticsearch.auth=basic without a username", Map.of("elasticsearch.auth", "basic", "elasticsearch.existingSecret", "es"));
    refused("elasticsearch.auth=apiKey with neither a Secret nor a key", Map.of("elasticsearch.auth", "apiKey"));
    refused("env overriding a value the chart sets (GATEWAY_WORKERS)", Map.of("env.GATEWAY_WORKERS", "3"));
    refused("a secret in plain env (ES_PASSWORD)", Map.of("env.ES_PASSWORD", "hunter2"));
  }

  private void lint() {
    LintResult result = new Helm(chart).lint().strict().call();
    result.getMessages().forEach(m -> System.out.println("chart: lint: " + m));
    if (result.isFailed()) problems.add("helm lint --strict failed");
    else System.out.println("chart: helm lint --strict passed");
  }

  /** The strict reader must catch a misspelt field, or every check below would pass for nothing. */
  private void selfTest() {
    List<String> found = new ArrayList<>();
    strict.read("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n", "self-test", found);
    if (found.size() != 1 || !found.get(0).contains(".spec.replica")) problems.add("the strict reader missed a misspelt field: " + found);
  }

  private void variant(String name, String valuesFile, BiConsumer<List<StrictManifests.Manifest>, String> checks) {
    String where = "variant " + name;
    String rendered;
    try {
      var template = new Helm(chart).template().withName("es-gateway").withNamespace("ingest");
      if (valuesFile != null) template = template.withValuesFile(chart.resolve("ci").resolve(valuesFile));
      rendered = template.call();
    } catch (RuntimeException e) {
      problems.add(where + ": helm template failed: " + e.getMessage());
      return;
    }
    int before = problems.size();
    List<StrictManifests.Manifest> m = strict.read(rendered, where, problems);
    manifests += m.size();
    try {
      checks.accept(m, where);
    } catch (RuntimeException e) {
      problems.add(where + ": " + e);
    }
    TreeSet<String> kinds = new TreeSet<>();
    m.forEach(x -> kinds.add(x.resource().getKind()));
    System.out.println("chart: " + where + ": " + m.size() + " manifests " + kinds + (problems.size() == before ? " valid" : " with problems"));
  }

  private void refused(String what, Map<String, Object> values) {
    var template = new Helm(chart).template().withName("es-gateway");
    for (var e : values.entrySet()) template = template.set(e.getKey(), e.getValue());
    try {
      template.call();
      problems.add("bad values accepted: " + what);
    } catch (RuntimeException e) {
      String why = e.getMessage() == null ? e.toString() : String.join(" ", e.getMessage().lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("Use --debug")).toList());
      System.out.println("chart: refused " + what + ": " + why);
    }
  }

  /** What every pod must be: non-root, read-only root, the spool writable, grace above the drain. */
  private void podChecks(PodSpec pod, int shutdownTimeoutMs, String where) {
    Container c = pod.getContainers().get(0);
    expect(Boolean.TRUE.equals(pod.getSecurityContext().getRunAsNonRoot()) && Boolean.TRUE.equals(c.getSecurityContext().getReadOnlyRootFilesystem())
        && Boolean.FALSE.equals(c.getSecurityContext().getAllowPrivilegeEscalation()), where, "non-root, read-only root filesystem, no privilege escalation");
    expect(c.getVolumeMounts().stream().anyMatch(v -> v.getName().equals("spool") && v.getMountPath().equals("/var/lib/es-gateway/spool") && !Boolean.TRUE.equals(v.getReadOnly())), where, "the spool volume mounted writable at GATEWAY_SPOOL_DIR");
    expect("/var/lib/es-gateway/spool".equals(env(pod, "GATEWAY_SPOOL_DIR")), where, "GATEWAY_SPOOL_DIR");
    long grace = pod.getTerminationGracePeriodSeconds();
    expect(grace * 1000 > Long.parseLong(env(pod, "GATEWAY_SHUTDOWN_TIMEOUT_MS")) && grace * 1000 > shutdownTimeoutMs, where, "terminationGracePeriodSeconds (" + grace + ") above the drain bound");
    expect("/healthz".equals(c.getLivenessProbe().getHttpGet().getPath()) && "/readyz".equals(c.getReadinessProbe().getHttpGet().getPath()), where, "liveness /healthz, readiness /readyz");
    expect(c.getResources().getLimits().containsKey("memory") && c.getResources().getRequests().containsKey("cpu"), where, "resources");
    expect("on".equals(env(pod, "GATEWAY_AUTH")) && "/etc/es-gateway/keys/keys.json".equals(env(pod, "GATEWAY_KEYS_FILE")), where, "GATEWAY_AUTH=on with the keys file mounted");
    try {
      // Every variable the chart sets is a setting of the README's configuration table, and the
      // pod runs as the image's user.
      String readme = Files.readString(repo.resolve("README.md"));
      List<String> unknown = c.getEnv().stream().map(EnvVar::getName).filter(n -> !readme.contains("| `" + n + "` |")).toList();
      expect(unknown.isEmpty(), where, "only settings of the README's configuration table (not: " + unknown + ")");
      Matcher user = Pattern.compile("(?m)^USER (\\d+)").matcher(Files.readString(repo.resolve("Dockerfile")));
      expect(user.find() && Long.parseLong(user.group(1)) == pod.getSecurityContext().getRunAsUser(), where, "runAsUser equal to the Dockerfile's USER");
    } catch (java.io.IOException e) {
      problems.add(where + ": " + e);
    }
  }

  /** The Prometheus Operator's ServiceMonitor is not in fabric8's model here: its fields by hand. */
  private void serviceMonitor(GenericKubernetesResource sm, String where) {
    Map<String, Object> spec = sm.get("spec");
    expect(spec != null && Set.of("selector", "endpoints").containsAll(spec.keySet()), where, "ServiceMonitor spec with selector and endpoints only");
    @SuppressWarnings("unchecked") List<Map<String, Object>> endpoints = (List<Map<String, Object>>) spec.get("endpoints");
    Set<String> known = Set.of("port", "path", "interval", "scrapeTimeout", "authorization", "scheme", "honorLabels", "relabelings", "metricRelabelings");
    expect(endpoints.size() == 1 && known.containsAll(endpoints.get(0).keySet()) && "http".equals(endpoints.get(0).get("port"))
        && "/metrics".equals(endpoints.get(0).get("path")), where, "one endpoint: port http, path /metrics, known fields only");
    @SuppressWarnings("unchecked") Map<String, Object> auth = (Map<String, Object>) endpoints.get(0).get("authorization");
    expect(auth != null && "Bearer".equals(auth.get("type")) && auth.get("credentials") instanceof Map<?, ?> cred && "es-gateway-metrics-key".equals(cred.get("name")), where, "the admin key as Bearer credentials");
  }

  /** The dashboard ConfigMap holds the file, and the file names only documented metrics. */
  private void dashboard(List<StrictManifests.Manifest> m, String where) {
    try {
      String file = Files.readString(chart.resolve("dashboards/es-gateway.json"));
      var tree = new ObjectMapper().readTree(file);
      expect(tree.path("panels").size() > 20, where, "a dashboard with its panels");
      ConfigMap cm = (ConfigMap) m.stream().filter(x -> x.resource() instanceof ConfigMap c && c.getMetadata().getName().endsWith("-dashboard")).findFirst().orElseThrow().resource();
      expect("1".equals(cm.getMetadata().getLabels().get("grafana_dashboard")) && file.strip().equals(cm.getData().get("es-gateway.json").strip()), where, "the dashboard ConfigMap with the grafana_dashboard label");
      String readme = Files.readString(repo.resolve("README.md"));
      TreeSet<String> undocumented = new TreeSet<>();
      Matcher metric = METRIC.matcher(file);
      while (metric.find()) {
        String name = metric.group(1).replaceFirst("_(bucket|sum|count)$", "");
        if (!readme.contains(name)) undocumented.add(name);
      }
      expect(undocumented.isEmpty(), where, "dashboard metrics all documented in the README (not: " + undocumented + ")");
    } catch (java.io.IOException | RuntimeException e) {
      problems.add(where + ": dashboard: " + e);
    }
  }

  private static String env(PodSpec pod, String name) {
    return pod.getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
  }

  private static <T> T only(List<StrictManifests.Manifest> m, Class<T> type, String where) {
    List<T> found = m.stream().map(StrictManifests.Manifest::resource).filter(type::isInstance).map(type::cast).toList();
    if (found.size() != 1) throw new IllegalStateException(where + ": expected one " + type.getSimpleName() + ", found " + found.size());
    return found.get(0);
  }

  private static boolean none(List<StrictManifests.Manifest> m, Class<?> type) {
    return m.stream().noneMatch(x -> type.isInstance(x.resource()));
  }

  private static boolean hasKind(List<StrictManifests.Manifest> m, String kind) {
    return m.stream().anyMatch(x -> kind.equals(x.resource().getKind()));
  }

  private static boolean hasName(List<StrictManifests.Manifest> m, String kind, String suffix) {
    return m.stream().anyMatch(x -> kind.equals(x.resource().getKind()) && x.resource().getMetadata().getName().endsWith(suffix));
  }

  private void expect(boolean ok, String where, String what) {
    if (!ok) problems.add(where + ": expected " + what);
  }
}
