package streamtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
)

const streamWait = 10 * time.Second

// serveRemoteCommand speaks remote command v4 over SPDY: wait for the
// streams the session needs, run the script, report the exit status.
func (s *Server) serveRemoteCommand(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.take(r.PathValue("token"))
	if !ok {
		http.Error(w, "unknown or used token", http.StatusNotFound)
		return
	}
	if _, err := httpstream.Handshake(r, w, []string{remotecommandconsts.StreamProtocolV4Name}); err != nil {
		return // Handshake answered
	}
	type accepted struct {
		stream httpstream.Stream
		reply  <-chan struct{}
	}
	arrived := make(chan accepted, 8)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(st httpstream.Stream, reply <-chan struct{}) error {
		arrived <- accepted{st, reply}
		return nil
	})
	if conn == nil {
		return
	}
	defer conn.Close()
	streams := map[string]httpstream.Stream{}
	timeout := time.After(streamWait)
	for len(streams) < sess.expectedStreams() {
		select {
		case a := <-arrived:
			<-a.reply // write nothing before the stream is acknowledged
			streams[a.stream.Headers().Get(v1.StreamType)] = a.stream
		case <-timeout:
			return
		}
	}
	code := sess.run(streams)
	for name, st := range streams {
		if name != v1.StreamTypeError {
			st.Close()
		}
	}
	writeStatus(streams[v1.StreamTypeError], code)
	streams[v1.StreamTypeError].Close()
}

// expectedStreams is what a v4 client opens for the session: the error
// stream always, resize with a terminal, stderr only without one.
func (sess session) expectedStreams() int {
	n := 1
	for _, want := range []bool{sess.stdin, sess.stdout, sess.stderr && !sess.tty, sess.tty} {
		if want {
			n++
		}
	}
	return n
}

// run executes the script and returns its exit code.
func (sess session) run(st map[string]httpstream.Stream) int {
	out := writerOrDiscard(st[v1.StreamTypeStdout])
	errOut := writerOrDiscard(st[v1.StreamTypeStderr])
	cmd := sess.cmd
	if cmd == nil {
		cmd = []string{"cat"} // attach: the container's process echoes
	}
	if len(cmd) == 0 {
		return 127
	}
	switch cmd[0] {
	case "echo":
		fmt.Fprintln(out, strings.Join(cmd[1:], " "))
	case "stderr":
		fmt.Fprintln(errOut, strings.Join(cmd[1:], " "))
	case "cat":
		if in := st[v1.StreamTypeStdin]; in != nil {
			io.Copy(out, in)
		}
	case "exit":
		if len(cmd) < 2 {
			return 0
		}
		n, _ := strconv.Atoi(cmd[1])
		return n
	case "size":
		var size struct{ Width, Height uint16 }
		if rs := st[v1.StreamTypeResize]; rs != nil && json.NewDecoder(rs).Decode(&size) == nil {
			fmt.Fprintf(out, "%dx%d\n", size.Width, size.Height)
		}
	default:
		fmt.Fprintf(errOut, "%s: not found\n", cmd[0])
		return 127
	}
	return 0
}

func writerOrDiscard(st httpstream.Stream) io.Writer {
	if st == nil {
		return io.Discard
	}
	return st
}

// writeStatus writes the v4 error-stream Status for an exit code.
func writeStatus(w io.Writer, code int) {
	st := metav1.Status{Status: metav1.StatusSuccess}
	if code != 0 {
		st = metav1.Status{
			Status:  metav1.StatusFailure,
			Reason:  remotecommandconsts.NonZeroExitCodeReason,
			Message: fmt.Sprintf("command terminated with non-zero exit code: exit status %d", code),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
				{Type: remotecommandconsts.ExitCodeCauseType, Message: strconv.Itoa(code)},
			}},
		}
	}
	json.NewEncoder(w).Encode(st)
}
