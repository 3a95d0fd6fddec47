package screen

import "os"

var osGetenv = os.Getenv
