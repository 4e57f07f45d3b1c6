// Faces: face detection (BlazeFace), face mesh, document presets and the ID-photo frame.
