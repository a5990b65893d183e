package esgateway.helmcheck;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads rendered manifests with fabric8's Kubernetes model (the API's types, generated from its
 * OpenAPI) and refuses what the API server would not take: an unknown kind or apiVersion, and any
 * field the type does not have. fabric8 keeps unknown fields in `additionalProperties` instead of
 * failing (and so does its UnmatchedFieldTypeModule for a value of the wrong type), so strictness
 * is a walk over the parsed objects that reports every non-empty `additionalProperties`, by path.
 */
final class StrictManifests {
  /** Custom resources that the model lacks, checked by their own rules in HelmCheck. */
  static final Set<String> CUSTOM_KINDS = Set.of("monitoring.coreos.com/v1/ServiceMonitor");

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
  private final KubernetesSerialization serialization = new KubernetesSerialization();

  /** One parsed manifest: its model object, and its source for messages. */
  record Manifest(HasMetadata resource, String source) {
    String id() { return resource.getKind() + "/" + resource.getMetadata().getName(); }
  }

  /** Parses every document of a rendered chart; problems go to `problems`, prefixed with `where`. */
  List<Manifest> read(String rendered, String where, List<String> problems) {
    List<Manifest> manifests = new ArrayList<>();
    for (String document : DOCUMENT_SEPARATOR.split(rendered)) {
      String source = document.lines().filter(l -> l.startsWith("# Source: ")).findFirst().orElse("(no source)").substring(Math.min(10, document.length()));
      if (document.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) continue;
      Object parsed;
      try {
        parsed = serialization.unmarshal(document);
      } catch (RuntimeException e) {
        problems.add(where + ": " + source + ": does not parse as a Kubernetes object: " + e.getMessage());
        continue;
      }
      if (!(parsed instanceof HasMetadata resource)) {
        problems.add(where + ": " + source + ": not a Kubernetes object");
        continue;
      }
      String kind = resource.getApiVersion() + "/" + resource.getKind();
      if (resource instanceof GenericKubernetesResource && !CUSTOM_KINDS.contains(kind)) {
        problems.add(where + ": " + source + ": unknown kind " + kind);
        continue;
      }
      if (resource.getMetadata() == null || resource.getMetadata().getName() == null || resource.getMetadata().getName().isEmpty()) {
        problems.add(where + ": " + source + ": no metadata.name");
        continue;
      }
      if (!(resource instanceof GenericKubernetesResource)) {
        for (String unknown : unknownFields(resource)) problems.add(where + ": " + source + ": " + kind + " has no field " + unknown);
      }
      manifests.add(new Manifest(resource, source));
    }
    return manifests;
  }

  /** Paths of fields the model's types do not have (kept by fabric8 in additionalProperties). */
  static List<String> unknownFields(Object root) {
    List<String> found = new ArrayList<>();
    walk(root, "", found, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    return found;
  }

  private static void walk(Object value, String path, List<String> found, Set<Object> seen) {
    if (value == null || !seen.add(value)) return;
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) walk(item, path + "[" + i++ + "]", found, seen);
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) walk(e.getValue(), path + "." + e.getKey(), found, seen);
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) return;
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || getter.getDeclaringClass() == Object.class) continue;
      String name = getter.getName();
      if (!name.startsWith("get") || name.equals("getClass")) continue;
      Object child;
      try {
        child = getter.invoke(value);
      } catch (ReflectiveOperationException | RuntimeException e) {
        continue;
      }
      if (name.equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra) for (Object key : extra.keySet()) found.add(path + "." + key);
        continue;
      }
      walk(child, path + "." + Character.toLowerCase(name.charAt(3)) + name.substring(4), found, seen);
    }
  }
}
