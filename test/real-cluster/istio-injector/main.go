// Command istio-injector serves Istio's own sidecar-injection webhook (istio.io/istio pkg/kube/inject: NewWebhook,
// serveInject, injectRequired, injectPod) over HTTPS from ConfigMap files, without a running istiod, and prints one
// JSON line per AdmissionReview on stdout: {"pod","namespace","decision"} so tests can compare it with a prediction.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"syscall"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	meshconfig "istio.io/api/mesh/v1alpha1"

	"istio.io/istio/manifests"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/config/mesh/meshwatcher"
	"istio.io/istio/pkg/kube/inject"
	istiolog "istio.io/istio/pkg/log"
)

// Istio reads its feature flags at package init; "auto" native sidecars needs node informers (a cluster client).
const nativeSidecarsEnv = "ENABLE_NATIVE_SIDECARS"

func main() {
	if os.Getenv(nativeSidecarsEnv) == "" {
		reexecWith(nativeSidecarsEnv + "=false")
	}
	addr := flag.String("addr", "127.0.0.1:15017", "listen address")
	cert := flag.String("cert", "", "serving certificate (PEM)")
	key := flag.String("key", "", "serving key (PEM)")
	injectorCM := flag.String("injector-configmap", "", "istio-sidecar-injector ConfigMap (YAML): keys config, values")
	meshCM := flag.String("mesh-configmap", "", "optional istio ConfigMap (YAML): key mesh")
	revision := flag.String("revision", "default", "the istio.io/rev this injector serves")
	chartTemplates := flag.Bool("chart-templates", false,
		"replace the ConfigMap's injection templates by istio.io/istio's own chart files (for abbreviated fixtures)")
	flag.Parse()
	if err := run(*addr, *cert, *key, *injectorCM, *meshCM, *revision, *chartTemplates); err != nil {
		fmt.Fprintln(os.Stderr, "istio-injector:", err)
		os.Exit(1)
	}
}

func reexecWith(kv string) {
	exe, err := os.Executable()
	if err == nil {
		err = syscall.Exec(exe, os.Args, append(os.Environ(), kv))
	}
	fmt.Fprintln(os.Stderr, "istio-injector: re-exec with", kv, "failed:", err)
	os.Exit(1)
}

func run(addr, cert, key, injectorCM, meshCM, revision string, chartTemplates bool) error {
	if cert == "" || key == "" || injectorCM == "" {
		return fmt.Errorf("-cert, -key and -injector-configmap are required")
	}
	if err := quietIstioLogs(); err != nil {
		return err
	}
	watcher, err := newStaticWatcher(injectorCM, chartTemplates)
	if err != nil {
		return err
	}
	meshConfig, err := loadMesh(meshCM)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	env := &model.Environment{Watcher: meshwatcher.NewTestWatcher(meshConfig)}
	if _, err := inject.NewWebhook(inject.WebhookParameters{Watcher: watcher, Env: env, Mux: mux, Revision: revision}); err != nil {
		return fmt.Errorf("istio webhook: %w", err)
	}
	fmt.Fprintf(os.Stderr, "istio-injector: serving https://%s/inject (revision %s)\n", addr, revision)
	return http.ListenAndServeTLS(addr, cert, key, &decisionLogger{next: mux})
}

// Istio's logger writes to stdout by default; stdout is reserved for decision lines.
func quietIstioLogs() error {
	o := istiolog.DefaultOptions()
	o.OutputPaths = []string{"stderr"}
	o.ErrorOutputPaths = []string{"stderr"}
	return istiolog.Configure(o)
}

func readConfigMap(path string) (*corev1.ConfigMap, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(raw, &cm); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &cm, nil
}

// The mesh config as istiod builds it: defaults, then the ConfigMap's mesh key on top.
func loadMesh(path string) (*meshconfig.MeshConfig, error) {
	if path == "" {
		return mesh.DefaultMeshConfig(), nil
	}
	cm, err := readConfigMap(path)
	if err != nil {
		return nil, err
	}
	return mesh.ApplyMeshConfigDefaults(cm.Data["mesh"])
}

// staticWatcher hands Istio the injector ConfigMap's config (parsed by inject.UnmarshalConfig) and values once.
type staticWatcher struct {
	config *inject.Config
	values string
}

func newStaticWatcher(path string, chartTemplates bool) (*staticWatcher, error) {
	cm, err := readConfigMap(path)
	if err != nil {
		return nil, err
	}
	raw := []byte(cm.Data["config"])
	if chartTemplates {
		if raw, err = withChartTemplates(raw); err != nil {
			return nil, fmt.Errorf("%s config: %w", path, err)
		}
	}
	config, err := inject.UnmarshalConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("%s config: %w", path, err)
	}
	return &staticWatcher{config: &config, values: cm.Data["values"]}, nil
}

func (w *staticWatcher) SetHandler(func(*inject.Config, string) error) {}
func (w *staticWatcher) Run(<-chan struct{})                           {}
func (w *staticWatcher) Get() (*inject.Config, string, error)          { return w.config, w.values, nil }

// Template name in the ConfigMap → file in istio.io/istio manifests/charts/istio-control/istio-discovery/files.
var chartTemplateFiles = map[string]string{
	"sidecar":      "injection-template.yaml",
	"gateway":      "gateway-injection-template.yaml",
	"grpc-simple":  "grpc-simple.yaml",
	"grpc-agent":   "grpc-agent.yaml",
	"waypoint":     "waypoint.yaml",
	"kube-gateway": "kube-gateway.yaml",
}

// Only the templates change: policy, selectors, defaults and annotations stay the ConfigMap's.
func withChartTemplates(raw []byte) ([]byte, error) {
	var config map[string]any
	if err := yaml.Unmarshal(raw, &config); err != nil {
		return nil, err
	}
	templates, _ := config["templates"].(map[string]any)
	if templates == nil {
		templates = map[string]any{}
	}
	for name, file := range chartTemplateFiles {
		text, err := fs.ReadFile(manifests.FS, "charts/istio-control/istio-discovery/files/"+file)
		if err != nil {
			return nil, err
		}
		templates[name] = string(text)
	}
	config["templates"] = templates
	return yaml.Marshal(config)
}

type decision struct {
	Pod       string `json:"pod"`
	Namespace string `json:"namespace"`
	Decision  string `json:"decision"`
	Path      string `json:"path"`
	Message   string `json:"message,omitempty"`
}

// decisionLogger passes each request to Istio's handler and reports what Istio answered.
type decisionLogger struct {
	next http.Handler
	mu   sync.Mutex
}

func (d *decisionLogger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	d.next.ServeHTTP(rec, r)
	d.log(r.URL.Path, body, rec.Body.Bytes())
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (d *decisionLogger) log(path string, request, response []byte) {
	line := describe(request, response)
	line.Path = path
	out, _ := json.Marshal(line)
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = os.Stdout.Write(append(out, '\n'))
}

func describe(request, response []byte) decision {
	var in, out admissionv1.AdmissionReview
	if err := json.Unmarshal(request, &in); err != nil || in.Request == nil {
		return decision{Decision: "bad-request"}
	}
	var pod corev1.Pod
	_ = json.Unmarshal(in.Request.Object.Raw, &pod)
	d := decision{Pod: podName(pod, in.Request.Name), Namespace: in.Request.Namespace}
	if err := json.Unmarshal(response, &out); err != nil || out.Response == nil {
		d.Decision, d.Message = "error", string(response)
		return d
	}
	switch {
	case !out.Response.Allowed:
		d.Decision = "denied"
		if out.Response.Result != nil {
			d.Message = out.Response.Result.Message
		}
	case len(out.Response.Patch) > 0:
		d.Decision = "injected"
	default:
		d.Decision = "skipped"
	}
	return d
}

func podName(pod corev1.Pod, requestName string) string {
	switch {
	case pod.Name != "":
		return pod.Name
	case requestName != "":
		return requestName
	default:
		return pod.GenerateName
	}
}
