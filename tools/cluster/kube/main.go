// Command kube is a multi-call binary bundling kube-apiserver,
// kube-controller-manager, kube-scheduler and kubeadm from k8s.io/kubernetes
// (version pinned in go.mod). Linking once instead of four times saves most of
// the cold build time and disk space.
//
// Dispatch is on the name the binary was invoked as (so symlinks named
// kube-apiserver, kubeadm, ... work), or else on the first argument:
//
//	kube kube-apiserver --etcd-servers=...
//
// Each branch mirrors the upstream cmd/<component>/<component>.go main().
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	_ "time/tzdata" // for CronJob time zone support (apiserver, controller-manager)

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go prometheus plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric registration

	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubeadm "k8s.io/kubernetes/cmd/kubeadm/app"
	kubeadmutil "k8s.io/kubernetes/cmd/kubeadm/app/util"
)

var commands = map[string]func() int{
	"kube-apiserver": func() int {
		return cli.Run(apiserver.NewAPIServerCommand())
	},
	"kube-controller-manager": func() int {
		return cli.Run(controllermanager.NewControllerManagerCommand())
	},
	"kube-scheduler": func() int {
		return cli.Run(scheduler.NewSchedulerCommand())
	},
	// Upstream cmd/kubeadm/kubeadm.go: kubeadmutil.CheckErr(app.Run()).
	// app.Run sets up klog/pflag exactly as upstream and then executes
	// cmd.NewKubeadmCommand(os.Stdin, os.Stdout, os.Stderr).
	// CheckErr exits the process itself on error.
	"kubeadm": func() int {
		kubeadmutil.CheckErr(kubeadm.Run())
		return 0
	},
}

func names() string {
	n := make([]string, 0, len(commands))
	for k := range commands {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

func main() {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	if run, ok := commands[name]; ok {
		os.Exit(run())
	}
	if len(os.Args) > 1 {
		if run, ok := commands[os.Args[1]]; ok {
			// Drop our own name so the component sees the usual argv
			// (cobra reads os.Args[1:]; kubeadm's pflag too).
			os.Args = append([]string{os.Args[1]}, os.Args[2:]...)
			os.Exit(run())
		}
	}
	fmt.Fprintf(os.Stderr, "usage: %s <command> [flags]\n  or invoke via a symlink named after the command\ncommands: %s\n", filepath.Base(os.Args[0]), names())
	os.Exit(2)
}
