package server

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var sampleLog = []string{
	"2025-01-01T00:00:01.5Z stdout F one",
	"2025-01-01T00:00:02.5Z stderr P tw",
	"2025-01-01T00:00:02.6Z stderr F o",
	"2025-01-01T00:00:03.5Z stdout F three",
}

func TestContainerLogs(t *testing.T) {
	e := newEnv(t)
	_, ids := e.runPod("default", "web")
	e.appendLog(ids["app"], sampleLog...)
	for _, tc := range []struct{ query, want string }{
		{"", "one\ntwo\nthree\n"},
		{"?tailLines=1", "three\n"},
		{"?tailLines=0", ""},
		{"?tailLines=2&timestamps=true", "2025-01-01T00:00:02.6Z o\n2025-01-01T00:00:03.5Z three\n"},
		{"?timestamps=true&tailLines=3", "2025-01-01T00:00:02.5Z two\n2025-01-01T00:00:03.5Z three\n"},
		{"?limitBytes=6", "one\ntw"},
		{"?sinceTime=2025-01-01T00:00:02Z", "two\nthree\n"},
		{"?sinceSeconds=1", ""}, // all lines are older than a second
	} {
		code, body := e.get("/containerLogs/default/web/app" + tc.query)
		if code != http.StatusOK || string(body) != tc.want {
			t.Errorf("%q: %d %q, want %q", tc.query, code, body, tc.want)
		}
	}
}

func TestContainerLogsErrors(t *testing.T) {
	e := newEnv(t)
	e.runPod("default", "web")
	e.pods.errs["default/web/waiting"] = `container "waiting" in pod "web" is waiting to start: ContainerCreating`
	pod, _ := e.pods.GetPod("default", "web")
	pod.Spec.Containers = append(pod.Spec.Containers, pod.Spec.Containers[0])
	pod.Spec.Containers[1].Name = "waiting"
	for _, tc := range []struct {
		path   string
		code   int
		reason metav1.StatusReason
		msg    string
	}{
		{"/containerLogs/default/nope/app", 404, metav1.StatusReasonNotFound, `pod "nope" does not exist`},
		{"/containerLogs/default/web/db", 404, metav1.StatusReasonNotFound, `container "db" not found in pod "web"`},
		{"/containerLogs/default/web/waiting", 400, metav1.StatusReasonBadRequest, `container "waiting" in pod "web" is waiting to start: ContainerCreating`},
		{"/containerLogs/default/web/app?previous=true", 400, metav1.StatusReasonBadRequest, `previous terminated container "app" in pod "web" not found`},
		{"/containerLogs/default/web/app?tailLines=-1", 422, metav1.StatusReasonInvalid, "tailLines: Invalid value: -1: must be greater than or equal to 0"},
		{"/containerLogs/default/web/app?tailLines=x", 400, metav1.StatusReasonBadRequest, `tailLines: invalid value "x": must be an integer`},
		{"/containerLogs/default/web/app?sinceSeconds=5&sinceTime=2025-01-01T00:00:00Z", 422, metav1.StatusReasonInvalid, "at most one of `sinceTime` or `sinceSeconds` may be specified"},
	} {
		code, body := e.get(tc.path)
		if code != tc.code {
			t.Errorf("%s: code %d, want %d: %s", tc.path, code, tc.code, body)
			continue
		}
		st := decodeStatus(t, body)
		if st.Reason != tc.reason || st.Message != tc.msg {
			t.Errorf("%s: %s %q, want %s %q", tc.path, st.Reason, st.Message, tc.reason, tc.msg)
		}
	}
	// The log file is not there yet (the sim never writes one).
	code, body := e.get("/containerLogs/default/web/app")
	if code != 400 || decodeStatus(t, body).Reason != metav1.StatusReasonBadRequest {
		t.Errorf("missing file: %d %s", code, body)
	}
}

func TestContainerLogsFollow(t *testing.T) {
	e := newEnv(t)
	_, ids := e.runPod("default", "web")
	e.appendLog(ids["app"], "2025-01-01T00:00:01Z stdout F first")
	resp, err := e.client(&e.apiserver).Get(e.url + "/containerLogs/default/web/app?follow=true")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || line != "first\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	e.appendLog(ids["app"], "2025-01-01T00:00:02Z stdout F second")
	if line, err := r.ReadString('\n'); err != nil || line != "second\n" {
		t.Fatalf("second line %q, %v", line, err)
	}
	// Once the container stops, the rest is drained and the stream ends.
	e.appendLog(ids["app"], "2025-01-01T00:00:03Z stdout F last")
	if err := e.rt.StopContainer(context.Background(), ids["app"], 0); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || string(rest) != "last\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}

func TestShutdownEndsFollowedLog(t *testing.T) {
	e := newEnv(t)
	_, ids := e.runPod("default", "web")
	e.appendLog(ids["app"], "2025-01-01T00:00:01Z stdout F first")
	resp, err := e.client(&e.apiserver).Get(e.url + "/containerLogs/default/web/app?follow=true")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, err := r.ReadString('\n'); err != nil || line != "first\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	e.stop() // returns only once the stream has ended
	if rest, _ := io.ReadAll(r); len(rest) != 0 {
		t.Fatalf("rest %q", rest)
	}
}
