;; A loop without end: with --invoke (unlimited fuel) the case watchdog ends
;; it (resource: time, exit 1); without --invoke the fuel ends it.
(module (func (export "spin") (loop $l (br $l))))
