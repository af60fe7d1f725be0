package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/klog/v2"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// The websocket remote-command subprotocols translated to the runtime's
// SPDY (kubectl 1.30+ asks for v5 first; v4 is what older web clients use).
var channelProtocols = []string{"v5.channel.k8s.io", "v4.channel.k8s.io", "v4.base64.channel.k8s.io"}

// streamIdleTimeout closes a silent session, upstream's default
// --streaming-connection-idle-timeout.
const streamIdleTimeout = 4 * time.Hour

// Channel numbers of the remote-command websocket protocols.
const (
	chanStdin = iota
	chanStdout
	chanStderr
	chanError
	chanResize
)

func channelProtocolNames() []string { return channelProtocols }

func offersChannelProtocol(r *http.Request) bool {
	for _, v := range r.Header.Values(wsstream.WebSocketProtocolHeader) {
		for _, p := range strings.Split(v, ",") {
			if slices.Contains(channelProtocols, strings.TrimSpace(p)) {
				return true
			}
		}
	}
	return false
}

// translateRemoteCommand serves the websocket channel protocol to the
// client and drives the runtime's streaming URL with client-go's SPDY
// executor, writing the exit status on the error channel at the end.
func (s *Server) translateRemoteCommand(w http.ResponseWriter, r *http.Request, target *url.URL, opts streamOptions) {
	channels := []wsstream.ChannelType{
		chanStdin:  channelIf(opts.stdin, wsstream.ReadChannel),
		chanStdout: channelIf(opts.stdout, wsstream.WriteChannel),
		chanStderr: channelIf(opts.stderr, wsstream.WriteChannel),
		chanError:  wsstream.WriteChannel,
		chanResize: wsstream.ReadChannel,
	}
	protocols := map[string]wsstream.ChannelProtocolConfig{}
	for _, p := range channelProtocols {
		protocols[p] = wsstream.ChannelProtocolConfig{Binary: !strings.Contains(p, "base64"), Channels: channels}
	}
	conn := wsstream.NewConn(protocols)
	conn.SetIdleTimeout(streamIdleTimeout)
	// wsstream logs through the request's klog logger; a client hanging up
	// after the exit status is routine, not worth an error line.
	_, streams, err := conn.Open(w, r.WithContext(klog.NewContext(r.Context(), logr.Discard())))
	if err != nil {
		s.log.Info("websocket upgrade failed", "path", r.URL.Path, "err", err)
		return
	}
	defer conn.Close()
	// The resize channel only ends when the websocket does: that is how a
	// client that goes away stops the runtime session.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	sizes := watchResize(streams[chanResize], cancel)

	sopts := remotecommand.StreamOptions{Tty: opts.tty}
	if opts.stdin {
		sopts.Stdin = streams[chanStdin]
	}
	if opts.stdout {
		sopts.Stdout = streams[chanStdout]
	}
	if opts.stderr {
		sopts.Stderr = streams[chanStderr]
	}
	if opts.tty {
		sopts.TerminalSizeQueue = sizes
	}
	exec, err := remotecommand.NewSPDYExecutor(&rest.Config{TLSClientConfig: rest.TLSClientConfig{Insecure: true}}, http.MethodPost, target)
	if err == nil {
		err = exec.StreamWithContext(ctx, sopts)
	}
	if err := writeExitStatus(streams[chanError], err); err != nil {
		s.log.Debug("writing exec status", "err", err)
	}
}

func channelIf(want bool, t wsstream.ChannelType) wsstream.ChannelType {
	if want {
		return t
	}
	return wsstream.IgnoreChannel
}

// sizeQueue hands terminal sizes to the SPDY executor.
type sizeQueue chan remotecommand.TerminalSize

func (q sizeQueue) Next() *remotecommand.TerminalSize {
	size, ok := <-q
	if !ok {
		return nil
	}
	return &size
}

// watchResize decodes the JSON sizes on the resize channel, keeping only
// the latest one not yet taken, and calls gone when the channel ends.
func watchResize(ch io.Reader, gone context.CancelFunc) sizeQueue {
	q := make(sizeQueue, 1)
	go func() {
		defer gone()
		defer close(q)
		dec := json.NewDecoder(ch)
		for {
			var size remotecommand.TerminalSize
			if err := dec.Decode(&size); err != nil {
				return
			}
			select {
			case q <- size:
			default:
				select { // replace the stale size nobody took yet
				case <-q:
				default:
				}
				select {
				case q <- size:
				default:
				}
			}
		}
	}()
	return q
}

// writeExitStatus writes the v4 error-channel Status for the outcome of a
// remote command, as upstream's streaming server does.
func writeExitStatus(w io.Writer, err error) error {
	st := metav1.Status{Status: metav1.StatusSuccess}
	var exit utilexec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.Exited():
		st = metav1.Status{
			Status: metav1.StatusFailure,
			Reason: remotecommandconsts.NonZeroExitCodeReason,
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
				{Type: remotecommandconsts.ExitCodeCauseType, Message: strconv.Itoa(exit.ExitStatus())},
			}},
			Message: fmt.Sprintf("command terminated with non-zero exit code: %v", err),
		}
	default:
		st = apierrors.NewInternalError(fmt.Errorf("error executing command in container: %v", err)).Status()
	}
	body, merr := json.Marshal(st)
	if merr != nil {
		return merr
	}
	_, werr := w.Write(body)
	return werr
}
