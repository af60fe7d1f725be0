package streamtest

import (
	"io"
	"net/http"

	v1 "k8s.io/api/core/v1"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
)

// servePortForward speaks portforward.k8s.io over SPDY: every data stream
// is echoed back until the client closes its side; error streams are
// closed at once (no error to report).
func (s *Server) servePortForward(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.take(r.PathValue("token")); !ok {
		http.Error(w, "unknown or used token", http.StatusNotFound)
		return
	}
	if _, err := httpstream.Handshake(r, w, []string{"portforward.k8s.io"}); err != nil {
		return
	}
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(st httpstream.Stream, reply <-chan struct{}) error {
		go func() {
			<-reply
			if st.Headers().Get(v1.StreamType) == v1.StreamTypeData {
				io.Copy(st, st)
			}
			st.Close()
		}()
		return nil
	})
	if conn == nil {
		return
	}
	<-conn.CloseChan()
}
