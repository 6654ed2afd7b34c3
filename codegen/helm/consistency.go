package helm

import (
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// checkConsistency checks what ties the rendered objects together and what neither strict
// decoding nor the API server's per-object validation would catch before a rollout stalls:
// every selector selects the code-server pods, the Service and NetworkPolicy target a port
// the container declares, the pods run as the ServiceAccount the chart renders, and the
// work directory is a volume the container mounts.
func checkConsistency(objs []renderedObject) error {
	var (
		deploy *appsv1.Deployment
		svc    *corev1.Service
		sas    = map[string]bool{}
		netpol *networkingv1.NetworkPolicy
		pdb    *policyv1.PodDisruptionBudget
	)
	for _, o := range objs {
		switch v := o.Object.(type) {
		case *appsv1.Deployment:
			deploy = v
		case *corev1.Service:
			svc = v
		case *corev1.ServiceAccount:
			sas[v.Name] = true
		case *networkingv1.NetworkPolicy:
			netpol = v
		case *policyv1.PodDisruptionBudget:
			pdb = v
		}
	}
	if deploy == nil || svc == nil {
		return errors.New("chart renders no Deployment or no Service")
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	pod := deploy.Spec.Template
	podLabels := labels.Set(pod.Labels)
	selects := func(what string, sel *metav1.LabelSelector) {
		s, err := metav1.LabelSelectorAsSelector(sel)
		switch {
		case err != nil:
			fail("%s selector: %v", what, err)
		case s.Empty():
			fail("%s selector is empty (it would select every pod)", what)
		case !s.Matches(podLabels):
			fail("%s selector %s does not select the code-server pods %v", what, s, podLabels)
		}
	}
	selects("Deployment "+deploy.Name, deploy.Spec.Selector)
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
		fail("Service %s selector %v does not select the code-server pods", svc.Name, svc.Spec.Selector)
	}
	if len(pod.Spec.Containers) != 1 {
		fail("code-server pod has %d containers, want 1", len(pod.Spec.Containers))
		return errors.Join(errs...)
	}
	c := pod.Spec.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	for _, p := range svc.Spec.Ports {
		if _, ok := ports[p.TargetPort.String()]; !ok && p.TargetPort.IntVal == 0 {
			fail("Service %s targets port %q the container does not declare", svc.Name, p.TargetPort.String())
		}
	}
	if netpol != nil {
		selects("NetworkPolicy "+netpol.Name, &netpol.Spec.PodSelector)
		for _, rule := range netpol.Spec.Ingress {
			for _, p := range rule.Ports {
				if p.Port != nil && p.Port.IntVal == 0 {
					if _, ok := ports[p.Port.String()]; !ok {
						fail("NetworkPolicy %s allows port %q the container does not declare", netpol.Name, p.Port.String())
					}
				}
			}
		}
	}
	if pdb != nil {
		selects("PodDisruptionBudget "+pdb.Name, pdb.Spec.Selector)
	}
	if sa := pod.Spec.ServiceAccountName; sa != "" && sa != "default" && !sas[sa] {
		fail("pods run as ServiceAccount %q, which the chart does not render", sa)
	}
	mounted := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounted[m.Name] = m.MountPath
	}
	volumes := map[string]bool{}
	for _, v := range pod.Spec.Volumes {
		if volumes[v.Name] {
			fail("pod declares volume %q twice", v.Name)
		}
		volumes[v.Name] = true
		if v.Name == "floe-work" && v.EmptyDir == nil {
			fail("volume floe-work is not an emptyDir")
		}
	}
	for name := range mounted {
		if !volumes[name] {
			fail("container mounts volume %q, which the pod does not declare", name)
		}
	}
	if _, ok := mounted["floe-work"]; !ok {
		fail("container does not mount the work directory (volume floe-work)")
	}
	return errors.Join(errs...)
}
